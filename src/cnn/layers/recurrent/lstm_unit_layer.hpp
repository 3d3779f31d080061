// LSTMUnit: one time step of an LSTM cell (Caffe's LSTMUnit), the piece the
// LSTM layer's unrolled net repeats. Bottoms: c_prev (1 x N x H), the gate
// pre-activations x (1 x N x 4H, gates i, f, o, g) and cont (1 x N, 0 where a
// sequence starts); tops: c and h (1 x N x H). The formulas are in
// lstm_unit_formula.hpp. cont gets no gradient.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class LSTMUnitLayer : public Layer {
 public:
  explicit LSTMUnitLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "LSTMUnit"; }
  int ExactNumBottomBlobs() const override { return 3; }
  int ExactNumTopBlobs() const override { return 2; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  void CheckNoContGradient(const std::vector<bool>& propagate_down) const;

  int hidden_ = 0;  // H
  int num_ = 0;     // N
  Blob acts_;       // the activated gates, kept for Backward
};

}  // namespace cnn
