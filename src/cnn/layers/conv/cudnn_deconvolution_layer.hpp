// DeconvolutionLayer on cuDNN. A deconvolution is the input gradient of the
// convolution whose input is the deconvolution's top and whose output is its
// bottom, with the same filter (Caffe's (channels, num_output / group, k...)
// is cuDNN's K x C/g x k... of that convolution). So forward is
// cudnnConvolutionBackwardData, the input gradient cudnnConvolutionForward,
// the weight gradient cudnnConvolutionBackwardFilter with the roles of data
// and gradient swapped; the bias goes on the top (cudnnAddTensor /
// cudnnConvolutionBackwardBias). Descriptors, algorithms (the same
// process-wide cache as the Convolution engine's: the underlying convolution
// problems are the same) and precision as in cudnn_conv_setup.hpp; one, two
// or three spatial axes, with more the GPU pass runs the CAFFE engine's
// lowering. CPU mode runs the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/layers/conv/cudnn_conv_setup.hpp"
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

  CudnnConv cudnn_;  // the underlying convolution's x is this layer's top, its y the bottom
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
