// Softmax along softmax_param.axis (default 1, the channels); every other
// axis indexes an independent distribution. Safe in place.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class SoftmaxLayer : public Layer {
 public:
  explicit SoftmaxLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Softmax"; }
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
  int axis_ = 1;
  int outer_num_ = 0;  // product of the axes before `axis`
  int channels_ = 0;   // size of `axis`
  int inner_num_ = 0;  // product of the axes after `axis`
  // One value per inner position: the running max, then the sum or dot.
  std::vector<float> buffer_;
};

}  // namespace cnn
