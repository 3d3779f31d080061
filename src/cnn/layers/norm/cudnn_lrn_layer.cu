#ifdef CNN_WITH_CUDNN

#include "cnn/layers/norm/cudnn_lrn_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {

void CudnnLRNLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  LRNLayer::LayerSetUp(bottom, top);  // validates local_size
  const LRNParameter& p = layer_param_.lrn_param();
  // Compared in double, as cuDNN compares the doubles it is given.
  supported_ = p.norm_region() == LRNParameter::ACROSS_CHANNELS && p.local_size() >= CUDNN_LRN_MIN_N &&
               p.local_size() <= CUDNN_LRN_MAX_N && static_cast<double>(p.k()) >= CUDNN_LRN_MIN_K &&
               static_cast<double>(p.beta()) >= CUDNN_LRN_MIN_BETA;
}

void CudnnLRNLayer::Prepare(const Blob& bottom) {
  if (!lrn_set_) {
    const LRNParameter& p = layer_param_.lrn_param();
    CNN_CUDNN_CHECK(cudnnSetLRNDescriptor(lrn_.get(), p.local_size(), p.alpha(), p.beta(), p.k()));
    lrn_set_ = true;
  }
  if (bottom.shape() != shape_) {
    // LRNLayer::Reshape has checked the input is 4-D.
    cudnn::SetTensor4d(desc_.get(), bottom.shape(0), bottom.shape(1), bottom.shape(2), bottom.shape(3));
    shape_ = bottom.shape();
  }
}

void CudnnLRNLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!UseCudnn(bottom, top)) {
    LRNLayer::Forward_gpu(bottom, top);
    return;
  }
  Prepare(*bottom[0]);
  CNN_CUDNN_CHECK(cudnnLRNCrossChannelForward(gpu::Cudnn(), lrn_.get(), CUDNN_LRN_CROSS_CHANNEL_DIM1, cudnn::One(),
                                              desc_.get(), bottom[0]->gpu_data(), cudnn::Zero(), desc_.get(),
                                              top[0]->mutable_gpu_data()));
}

void CudnnLRNLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  if (!UseCudnn(bottom, top)) {
    LRNLayer::Backward_gpu(top, propagate_down, bottom);
    return;
  }
  if (!propagate_down[0]) return;
  Prepare(*bottom[0]);
  CNN_CUDNN_CHECK(cudnnLRNCrossChannelBackward(gpu::Cudnn(), lrn_.get(), CUDNN_LRN_CROSS_CHANNEL_DIM1, cudnn::One(),
                                               desc_.get(), top[0]->gpu_data(), desc_.get(), top[0]->gpu_diff(),
                                               desc_.get(), bottom[0]->gpu_data(), cudnn::Zero(), desc_.get(),
                                               bottom[0]->mutable_gpu_diff()));
}

CNN_REGISTER_LAYER_ENGINE(LRN, CUDNN, CudnnLRNLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
