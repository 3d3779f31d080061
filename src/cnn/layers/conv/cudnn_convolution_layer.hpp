// ConvolutionLayer on cuDNN: one cudnnConvolutionForward per bottom over the
// whole batch (groups via the descriptor's group count), the bias added with
// cudnnAddTensor, and the three backward products with cuDNN's own kernels.
// One, two or three spatial axes (cudnn_conv_setup.hpp has the descriptors,
// the choice of algorithms and the precision); with more, the GPU pass runs
// the CAFFE engine's im2col lowering. CPU mode runs the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/layers/conv/convolution_layer.hpp"
#include "cnn/layers/conv/cudnn_conv_setup.hpp"

namespace cnn {

class CudnnConvolutionLayer : public ConvolutionLayer {
 public:
  explicit CudnnConvolutionLayer(const LayerParameter& param) : ConvolutionLayer(param) {}

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  void Prepare(const Blob& bottom);

  CudnnConv cudnn_;  // x: the bottom, y: the top
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
