#ifdef CNN_WITH_CUDNN

#include "cnn/layers/pool/cudnn_pooling_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {

bool CudnnPoolingLayer::uses_cudnn(const BlobVec& top) const {
  const bool method_ok = method_ == PoolingParameter::AVE || (method_ == PoolingParameter::MAX && top.size() == 1);
  // Reshape has checked kernel <= size + 2 * pad, so the spans are >= 0.
  const int floor_h = (height_ + 2 * pad_h_ - kernel_h_) / stride_h_ + 1;
  const int floor_w = (width_ + 2 * pad_w_ - kernel_w_) / stride_w_ + 1;
  return method_ok && pooled_h_ == floor_h && pooled_w_ == floor_w && planes_ > 0 && height_ > 0 && width_ > 0;
}

void CudnnPoolingLayer::Prepare(const Blob& bottom, const Blob& top) {
  const std::vector<int> key = {bottom.shape(0), bottom.shape(1), height_,   width_,
                                pooled_h_,       pooled_w_,       kernel_h_, kernel_w_};
  if (key == key_) return;
  const cudnnPoolingMode_t mode = method_ == PoolingParameter::MAX
                                      // The backward pass routes each gradient without atomics, so
                                      // repeated runs give identical bottom diffs.
                                      ? CUDNN_POOLING_MAX_DETERMINISTIC
                                      : CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
  // NaN wins the max comparison, as in MaxPoolStep on the CPU.
  CNN_CUDNN_CHECK(cudnnSetPooling2dDescriptor(pool_.get(), mode, CUDNN_PROPAGATE_NAN, kernel_h_, kernel_w_, pad_h_,
                                              pad_w_, stride_h_, stride_w_));
  cudnn::SetTensor4d(bottom_desc_.get(), bottom.shape(0), bottom.shape(1), height_, width_);
  cudnn::SetTensor4d(top_desc_.get(), top.shape(0), top.shape(1), pooled_h_, pooled_w_);
  int n = 0, c = 0, h = 0, w = 0;
  CNN_CUDNN_CHECK(cudnnGetPooling2dForwardOutputDim(pool_.get(), bottom_desc_.get(), &n, &c, &h, &w));
  CNN_CHECK(h == pooled_h_ && w == pooled_w_, where() << "cuDNN pools " << bottom.shape_string() << " to " << h << "x"
                                                      << w << ", expected " << pooled_h_ << "x" << pooled_w_);
  key_ = key;
}

void CudnnPoolingLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_cudnn(top)) {
    PoolingLayer::Forward_gpu(bottom, top);
    return;
  }
  const Blob& in = PoolInput(bottom, true);
  Prepare(in, *top[0]);
  CNN_CUDNN_CHECK(cudnnPoolingForward(gpu::Cudnn(), pool_.get(), cudnn::One(), bottom_desc_.get(),
                                      in.gpu_data(), cudnn::Zero(), top_desc_.get(),
                                      top[0]->mutable_gpu_data()));
}

void CudnnPoolingLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  if (!uses_cudnn(top)) {
    PoolingLayer::Backward_gpu(top, propagate_down, bottom);
    return;
  }
  if (!propagate_down[0]) return;
  Blob& in = PoolInputGrad(bottom);
  Prepare(in, *top[0]);
  CNN_CUDNN_CHECK(cudnnPoolingBackward(gpu::Cudnn(), pool_.get(), cudnn::One(), top_desc_.get(), top[0]->gpu_data(),
                                       top_desc_.get(), top[0]->gpu_diff(), bottom_desc_.get(), in.gpu_data(),
                                       cudnn::Zero(), bottom_desc_.get(), in.mutable_gpu_diff()));
  FoldInputGrad(bottom, true);
}

CNN_REGISTER_LAYER_ENGINE(Pooling, CUDNN, CudnnPoolingLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
