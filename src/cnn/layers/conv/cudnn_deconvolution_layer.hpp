// DeconvolutionLayer on cuDNN. A deconvolution is the input gradient of the
// convolution whose input is the deconvolution's top and whose output is its
// bottom, with the same filter (Caffe's (channels, num_output / group, kh,
// kw) is cuDNN's K x C/g x kh x kw of that convolution). So forward is
// cudnnConvolutionBackwardData, the input gradient cudnnConvolutionForward,
// the weight gradient cudnnConvolutionBackwardFilter with the roles of data
// and gradient swapped; the bias goes on the top (cudnnAddTensor /
// cudnnConvolutionBackwardBias). Algorithms are chosen and cached exactly as
// for the Convolution engine (FindCudnnConvAlgo, the same process-wide
// cache: the underlying convolution problems are the same). Strict FP32
// unless CNN_CUDNN_ALLOW_TF32=1. CPU mode runs the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <string>
#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/conv/cudnn_convolution_layer.hpp"
#include "cnn/layers/conv/deconvolution_layer.hpp"

namespace cnn {

class CudnnDeconvolutionLayer : public DeconvolutionLayer {
 public:
  explicit CudnnDeconvolutionLayer(const LayerParameter& param) : DeconvolutionLayer(param) {}

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  void Prepare(const Blob& bottom);
  const CudnnConvAlgo& AlgoFor(CudnnConvPass pass);
  void SetMath(const CudnnConvAlgo& algo);

  // In the underlying convolution's terms: x is this layer's top, y its bottom.
  cudnn::TensorDescriptor bottom_desc_, top_desc_, bias_desc_;
  cudnn::FilterDescriptor filter_desc_;
  cudnn::ConvolutionDescriptor conv_;
  bool fixed_set_ = false;
  cudnnMathType_t math_ = CUDNN_FMA_MATH;
  std::vector<int> shape_;
  std::string shape_text_;
  CudnnConvAlgo algo_[3];
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
