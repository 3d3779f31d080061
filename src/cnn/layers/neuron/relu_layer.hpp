// ReLU: y = max(x, 0) + negative_slope * min(x, 0); a nonzero slope gives the
// leaky variant. Safe in place (top == bottom).
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class ReLULayer : public Layer {
 public:
  explicit ReLULayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "ReLU"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

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
  float negative_slope_ = 0.f;
};

}  // namespace cnn
