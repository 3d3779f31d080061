// LRNLayer on cudnnLRNCrossChannelForward/Backward for ACROSS_CHANNELS.
// cuDNN's formula is the CPU's (it divides alpha by the window width
// internally, and its window is centred for odd widths). The rest runs
// LRNLayer's own GPU path: WITHIN_CHANNEL (cuDNN has no equivalent),
// parameters outside cuDNN's limits (local_size in [1, 16], k >= 1e-5,
// beta >= 0.01), and in place (cuDNN's backward needs the input, which the
// top has overwritten). CPU mode runs the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/norm/lrn_layer.hpp"

namespace cnn {

class CudnnLRNLayer : public LRNLayer {
 public:
  explicit CudnnLRNLayer(const LayerParameter& param) : LRNLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  bool UseCudnn(const BlobVec& bottom, const BlobVec& top) const {
    return supported_ && bottom[0] != top[0] && bottom[0]->count() > 0;
  }
  void Prepare(const Blob& bottom);

  bool supported_ = false;  // region and parameters within cuDNN's limits
  cudnn::LRNDescriptor lrn_;
  cudnn::TensorDescriptor desc_;
  bool lrn_set_ = false;
  std::vector<int> shape_;  // the shape desc_ holds
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
