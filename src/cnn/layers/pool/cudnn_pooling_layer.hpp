// PoolingLayer on cudnnPoolingForward/Backward for MAX and AVE, where cuDNN
// computes exactly what the CPU does: when every window lies inside the
// padded input. That holds whenever the pooled size equals the floor-mode
// size cuDNN would compute itself, and then
//   - AVE divides by kernel_h * kernel_w with the padding counted as zeros,
//     which is cuDNN's COUNT_INCLUDE_PADDING;
//   - MAX takes the maximum over the window's part inside the image (every
//     window overlaps it, as pad < kernel), and cuDNN's max ignores padding.
// Caffe's ceil-mode rounding adds a last window that runs past the padded
// edge when the stride does not divide the span; there the CPU divides by
// the window clipped to the padded input, which no cuDNN mode does, and
// cuDNN documents no semantics for an output larger than its own size, so
// such shapes run PoolingLayer's own GPU path. So do STOCHASTIC pooling and
// MAX with a second (argmax) top, which cuDNN cannot produce. CPU mode runs
// the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/pool/pooling_layer.hpp"

namespace cnn {

class CudnnPoolingLayer : public PoolingLayer {
 public:
  explicit CudnnPoolingLayer(const LayerParameter& param) : PoolingLayer(param) {}

  // Whether the current shape and settings run on cuDNN (exposed for tests).
  bool uses_cudnn(const BlobVec& top) const;

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  void Prepare(const Blob& bottom, const Blob& top);

  cudnn::PoolingDescriptor pool_;
  cudnn::TensorDescriptor bottom_desc_, top_desc_;
  // Input shape, output size and window the descriptors hold.
  std::vector<int> key_;
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
