#ifdef CNN_WITH_CUDNN

#include "cnn/layers/conv/cudnn_deconvolution_layer.hpp"

#include <algorithm>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {

void CudnnDeconvolutionLayer::SetMath(const CudnnConvAlgo& algo) {
  CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), algo.math));
}

void CudnnDeconvolutionLayer::Prepare(const Blob& bottom) {
  if (!fixed_set_) {
    math_ = CudnnConvMath();
    cudnn::SetFilter4d(filter_desc_.get(), in_channels_, num_output_ / group_, geom_.kernel_h, geom_.kernel_w);
    cudnn::SetTensor4d(bias_desc_.get(), 1, num_output_, 1, 1);
    CNN_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv_.get(), geom_.pad_h, geom_.pad_w, geom_.stride_h,
                                                    geom_.stride_w, geom_.dilation_h, geom_.dilation_w,
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CNN_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_.get(), group_));
    CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), math_));
    fixed_set_ = true;
  }
  if (bottom.shape() == shape_) return;
  cudnn::SetTensor4d(bottom_desc_.get(), num_, in_channels_, in_h_, in_w_);
  cudnn::SetTensor4d(top_desc_.get(), num_, num_output_, geom_.height, geom_.width);
  int n = 0, c = 0, h = 0, w = 0;
  CNN_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(conv_.get(), top_desc_.get(), filter_desc_.get(), &n, &c, &h, &w));
  CNN_CHECK(n == num_ && c == in_channels_ && h == in_h_ && w == in_w_,
            where() << "cuDNN maps a top of " << num_ << "x" << num_output_ << "x" << geom_.height << "x"
                    << geom_.width << " to " << n << "x" << c << "x" << h << "x" << w << ", expected the input "
                    << bottom.shape_string());
  for (CudnnConvAlgo& a : algo_) a = CudnnConvAlgo();
  shape_ = bottom.shape();
  shape_text_ = bottom.shape_string();
}

const CudnnConvAlgo& CudnnDeconvolutionLayer::AlgoFor(CudnnConvPass pass) {
  CudnnConvAlgo& slot = algo_[static_cast<int>(pass)];
  if (slot.algo >= 0) return slot;
  // The same key as a Convolution over this layer's top would use.
  slot = FindCudnnConvAlgo(pass,
                           {num_, num_output_, geom_.height, geom_.width, in_channels_, geom_.kernel_h,
                            geom_.kernel_w, geom_.pad_h, geom_.pad_w, geom_.stride_h, geom_.stride_w,
                            geom_.dilation_h, geom_.dilation_w, group_},
                           top_desc_.get(), filter_desc_.get(), conv_.get(), bottom_desc_.get(), math_, where(),
                           shape_text_);
  return slot;
}

void CudnnDeconvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;  // cuDNN rejects empty tensors
  Prepare(*bottom[0]);
  const CudnnConvAlgo& algo = AlgoFor(CudnnConvPass::kBackwardData);
  cudnnHandle_t handle = gpu::Cudnn();
  void* workspace = algo.bytes > 0 ? gpu::SharedWorkspace(algo.bytes) : nullptr;
  SetMath(algo);
  const float* weight = blobs_[0]->gpu_data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    float* y = top[i]->mutable_gpu_data();
    CNN_CUDNN_CHECK(cudnnConvolutionBackwardData(
        handle, cudnn::One(), filter_desc_.get(), weight, bottom_desc_.get(), bottom[i]->gpu_data(), conv_.get(),
        static_cast<cudnnConvolutionBwdDataAlgo_t>(algo.algo), workspace, algo.bytes, cudnn::Zero(),
        top_desc_.get(), y));
    if (bias_term_) {
      CNN_CUDNN_CHECK(cudnnAddTensor(handle, cudnn::One(), bias_desc_.get(), blobs_[1]->gpu_data(), cudnn::One(),
                                     top_desc_.get(), y));
    }
  }
}

void CudnnDeconvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                           const BlobVec& bottom) {
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!weight_grad && !bias_grad && !data_grad) return;
  Prepare(*bottom[0]);
  // Chosen before the workspace is taken: a search allocates and frees.
  const CudnnConvAlgo none{};
  const CudnnConvAlgo& filter_algo = weight_grad ? AlgoFor(CudnnConvPass::kBackwardFilter) : none;
  const CudnnConvAlgo& data_algo = data_grad ? AlgoFor(CudnnConvPass::kForward) : none;
  const size_t bytes = std::max(filter_algo.bytes, data_algo.bytes);
  void* workspace = bytes > 0 ? gpu::SharedWorkspace(bytes) : nullptr;
  cudnnHandle_t handle = gpu::Cudnn();
  const float* weight = blobs_[0]->gpu_data();
  float* weight_diff = weight_grad ? blobs_[0]->mutable_gpu_diff() : nullptr;
  float* bias_diff = bias_grad ? blobs_[1]->mutable_gpu_diff() : nullptr;
  for (size_t i = 0; i < top.size(); ++i) {
    if (!weight_grad && !bias_grad && !propagate_down[i]) continue;
    const float* dy = top[i]->gpu_diff();
    // Parameter gradients accumulate (beta = 1); the bottom diff is overwritten.
    if (bias_grad) {
      CNN_CUDNN_CHECK(cudnnConvolutionBackwardBias(handle, cudnn::One(), top_desc_.get(), dy, cudnn::One(),
                                                   bias_desc_.get(), bias_diff));
    }
    if (weight_grad) {
      SetMath(filter_algo);
      // The underlying convolution's input is the top gradient, its output
      // gradient the bottom data.
      CNN_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
          handle, cudnn::One(), top_desc_.get(), dy, bottom_desc_.get(), bottom[i]->gpu_data(), conv_.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(filter_algo.algo), workspace, filter_algo.bytes,
          cudnn::One(), filter_desc_.get(), weight_diff));
    }
    if (propagate_down[i]) {
      SetMath(data_algo);
      CNN_CUDNN_CHECK(cudnnConvolutionForward(
          handle, cudnn::One(), top_desc_.get(), dy, filter_desc_.get(), weight, conv_.get(),
          static_cast<cudnnConvolutionFwdAlgo_t>(data_algo.algo), workspace, data_algo.bytes, cudnn::Zero(),
          bottom_desc_.get(), bottom[i]->mutable_gpu_diff()));
    }
  }
}

CNN_REGISTER_LAYER_ENGINE(Deconvolution, CUDNN, CudnnDeconvolutionLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
