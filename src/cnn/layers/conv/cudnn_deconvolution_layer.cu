#ifdef CNN_WITH_CUDNN

#include "cnn/layers/conv/cudnn_deconvolution_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void CudnnDeconvolutionLayer::Prepare(const Blob& bottom) {
  // geom_ is the transposed convolution: its input is the top.
  cudnn_.Prepare(geom_, num_, num_output_, in_channels_, group_, num_output_, bottom, where());
}

void CudnnDeconvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(top)) {
    CudnnDeconvolutionLayer::Forward_gpu(bottom, padded_.buffers());
    return padded_.FoldData(top, true);
  }
  if (!CudnnTakesConv(geom_)) return DeconvolutionLayer::Forward_gpu(bottom, top);
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;  // cuDNN rejects empty tensors
  Prepare(*bottom[0]);
  const float* weight = blobs_[0]->gpu_data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    float* t = top[i]->mutable_gpu_data();
    cudnn_.BackwardData(weight, bottom[i]->gpu_data(), t);
    if (bias_term_) cudnn_.AddBias(blobs_[1]->gpu_data(), true, t);
  }
}

void CudnnDeconvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                           const BlobVec& bottom) {
  if (padded_.Wraps(top)) {
    return CudnnDeconvolutionLayer::Backward_gpu(padded_.PadDiff(top, true), propagate_down, bottom);
  }
  if (!CudnnTakesConv(geom_)) return DeconvolutionLayer::Backward_gpu(top, propagate_down, bottom);
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!weight_grad && !bias_grad && !data_grad) return;
  Prepare(*bottom[0]);
  cudnn_.Choose(data_grad, false, weight_grad);
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dt = top[i]->gpu_diff();
    if (bias_grad) cudnn_.BiasGradient(dt, true, blobs_[1]->mutable_gpu_diff());
    // The underlying convolution's input is the top gradient, its output
    // gradient the bottom data.
    if (weight_grad) cudnn_.BackwardFilter(dt, bottom[i]->gpu_data(), blobs_[0]->mutable_gpu_diff());
    if (propagate_down[i]) cudnn_.Forward(dt, blobs_[0]->gpu_data(), bottom[i]->mutable_gpu_diff());
  }
}

CNN_REGISTER_LAYER_ENGINE(Deconvolution, CUDNN, CudnnDeconvolutionLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
