// SoftmaxLayer on cudnnSoftmaxForward/Backward (ACCURATE: max-subtracted, as
// the CPU code). The blob is viewed as (outer, channels, inner, 1) so that
// cuDNN's CHANNEL mode normalises along the softmax axis. CPU mode runs the
// inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/math/softmax_layer.hpp"

namespace cnn {

class CudnnSoftmaxLayer : public SoftmaxLayer {
 public:
  explicit CudnnSoftmaxLayer(const LayerParameter& param) : SoftmaxLayer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  // cuDNN documents no in-place softmax; top == bottom runs SoftmaxLayer's
  // own GPU path instead.
  bool UseCudnn(const Blob* bottom, const Blob* top) const { return bottom != top && count_ > 0; }
  void Prepare();

  int outer_ = 0, classes_ = 0, inner_ = 0, count_ = 0;
  cudnn::TensorDescriptor desc_;
  // The (outer, channels, inner) the descriptor holds; -1 before the first set.
  int desc_dims_[3] = {-1, -1, -1};
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
