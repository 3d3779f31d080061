// LSTM (Caffe's LSTM layer): h_t = o_t * tanh(c_t) with
//   [i f o g]_t = W_xc x_t + b_c + W_hc (cont_t h_{t-1}) (+ W_xc_static x_static)
//   c_t = cont_t f_t c_{t-1} + i_t g_t     (i, f, o sigmoid, g tanh)
// unrolled as Caffe does (x_transform, then per step h_conted, transform,
// gate_input and an LSTMUnit). Learnable blobs, in Caffe's order:
// W_xc (4H x D), b_c (4H), [W_xc_static (4H x D_static)], W_hc (4H x H).
// With expose_hidden the state bottoms and tops are h then c (1 x N x H).
// The GPU path is the base class's: the unrolled layers run on the device.
#pragma once

#include <string>
#include <vector>

#include "cnn/layers/recurrent/recurrent_layer.hpp"

namespace cnn {

class LSTMLayer : public RecurrentLayer {
 public:
  explicit LSTMLayer(const LayerParameter& param) : RecurrentLayer(param) {}
  const char* type() const override { return "LSTM"; }

 protected:
  void FillUnrolledNet(NetParameter* net_param) const override;
  std::vector<std::string> RecurrentInputBlobNames() const override { return {"h_0", "c_0"}; }
  std::vector<std::string> RecurrentOutputBlobNames() const override {
    return {"h_" + std::to_string(T_), "c_T"};
  }
  std::vector<std::vector<int>> RecurrentInputShapes() const override {
    return {{1, N_, num_output()}, {1, N_, num_output()}};
  }
  std::vector<std::string> OutputBlobNames() const override { return {"h"}; }
};

}  // namespace cnn
