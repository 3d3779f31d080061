// RNN (Caffe's plain recurrent layer):
//   h_t = tanh(W_hh (cont_t h_{t-1}) + W_xh x_t + b_h (+ W_xh_static x_static))
//   o_t = tanh(W_ho h_t + b_o)
// with the output sequence o. Learnable blobs, in Caffe's order:
// W_xh (H x D), b_h (H), [W_xh_static (H x D_static)], W_hh (H x H),
// W_ho (H x H), b_o (H). With expose_hidden the state bottom/top is h.
// The GPU path is the base class's: the unrolled layers run on the device.
#pragma once

#include <string>
#include <vector>

#include "cnn/layers/recurrent/recurrent_layer.hpp"

namespace cnn {

class RNNLayer : public RecurrentLayer {
 public:
  explicit RNNLayer(const LayerParameter& param) : RecurrentLayer(param) {}
  const char* type() const override { return "RNN"; }

 protected:
  void FillUnrolledNet(NetParameter* net_param) const override;
  std::vector<std::string> RecurrentInputBlobNames() const override { return {"h_0"}; }
  std::vector<std::string> RecurrentOutputBlobNames() const override { return {"h_" + std::to_string(T_)}; }
  std::vector<std::vector<int>> RecurrentInputShapes() const override { return {{1, N_, num_output()}}; }
  std::vector<std::string> OutputBlobNames() const override { return {"o"}; }
};

}  // namespace cnn
