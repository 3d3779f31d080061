#ifdef CNN_WITH_CUDNN

#include "cnn/layers/conv/cudnn_convolution_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void CudnnConvolutionLayer::Prepare(const Blob& bottom) {
  cudnn_.Prepare(geom_, num_, geom_.channels, num_output_, group_, num_output_, bottom, where());
}

void CudnnConvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(bottom)) return CudnnConvolutionLayer::Forward_gpu(padded_.PadData(bottom, true), top);
  if (!CudnnTakesConv(geom_)) return ConvolutionLayer::Forward_gpu(bottom, top);
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;  // cuDNN rejects empty tensors
  Prepare(*bottom[0]);
  const float* weight = blobs_[0]->gpu_data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    float* y = top[i]->mutable_gpu_data();
    cudnn_.Forward(bottom[i]->gpu_data(), weight, y);
    if (bias_term_) cudnn_.AddBias(blobs_[1]->gpu_data(), false, y);
  }
}

void CudnnConvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                         const BlobVec& bottom) {
  if (padded_.Wraps(bottom)) {
    CudnnConvolutionLayer::Backward_gpu(top, propagate_down, padded_.buffers());
    return padded_.FoldDiff(bottom, propagate_down, true);
  }
  if (!CudnnTakesConv(geom_)) return ConvolutionLayer::Backward_gpu(top, propagate_down, bottom);
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!weight_grad && !bias_grad && !data_grad) return;
  Prepare(*bottom[0]);
  cudnn_.Choose(false, data_grad, weight_grad);
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dy = top[i]->gpu_diff();
    if (bias_grad) cudnn_.BiasGradient(dy, false, blobs_[1]->mutable_gpu_diff());
    if (weight_grad) cudnn_.BackwardFilter(bottom[i]->gpu_data(), dy, blobs_[0]->mutable_gpu_diff());
    if (propagate_down[i]) cudnn_.BackwardData(blobs_[0]->gpu_data(), dy, bottom[i]->mutable_gpu_diff());
  }
}

CNN_REGISTER_LAYER_ENGINE(Convolution, CUDNN, CudnnConvolutionLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
