#ifdef CNN_WITH_CUDNN

#include "cnn/layers/math/cudnn_softmax_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {

void CudnnSoftmaxLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  SoftmaxLayer::Reshape(bottom, top);  // checks the axis
  const int axis = bottom[0]->CanonicalAxisIndex(layer_param_.softmax_param().axis());
  outer_ = bottom[0]->count(0, axis);
  classes_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  count_ = bottom[0]->count();
}

void CudnnSoftmaxLayer::Prepare() {
  if (desc_dims_[0] == outer_ && desc_dims_[1] == classes_ && desc_dims_[2] == inner_) return;
  cudnn::SetTensor4d(desc_.get(), outer_, classes_, inner_, 1);
  desc_dims_[0] = outer_;
  desc_dims_[1] = classes_;
  desc_dims_[2] = inner_;
}

void CudnnSoftmaxLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!UseCudnn(bottom[0], top[0])) {
    SoftmaxLayer::Forward_gpu(bottom, top);
    return;
  }
  Prepare();
  CNN_CUDNN_CHECK(cudnnSoftmaxForward(gpu::Cudnn(), CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, cudnn::One(),
                                      desc_.get(), bottom[0]->gpu_data(), cudnn::Zero(), desc_.get(),
                                      top[0]->mutable_gpu_data()));
}

void CudnnSoftmaxLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  if (!UseCudnn(bottom[0], top[0])) {
    SoftmaxLayer::Backward_gpu(top, propagate_down, bottom);
    return;
  }
  if (!propagate_down[0]) return;
  Prepare();
  CNN_CUDNN_CHECK(cudnnSoftmaxBackward(gpu::Cudnn(), CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, cudnn::One(),
                                       desc_.get(), top[0]->gpu_data(), desc_.get(), top[0]->gpu_diff(), cudnn::Zero(),
                                       desc_.get(), bottom[0]->mutable_gpu_diff()));
}

CNN_REGISTER_LAYER_ENGINE(Softmax, CUDNN, CudnnSoftmaxLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
