// Deconvolution (Caffe's transposed convolution): the convolution's input
// gradient used as a forward pass, and its forward pass as the input
// gradient. Same ConvolutionParameter and the same N-D rules (any number of
// spatial axes after the channel axis); weights are (channels, num_output /
// group, k0, k1, ...), the bias (num_output). Each spatial axis of the top is
// stride * (in - 1) + dilation * (kernel - 1) + 1 - 2 * pad.
//
// geom_ (inherited) describes the convolution this layer transposes: its
// image is the deconvolution's top (num_output channels), its columns run
// over the bottom's pixels. Forward: col = W^T x, then col2im into the top;
// backward: im2col of the top gradient, then x-gradient = W col and
// weight gradient += x col^T. One image per step on both devices (Caffe's
// order of work; the products are already as wide as the top is large).
//
// padding_mode M other than ZEROS: Deconvolution is defined as the adjoint of
// Convolution with mode M (PyTorch's ConvTranspose knows zeros only). The
// pad-0 code writes the full transposed output into padded_'s buffers, and
// top = PadAdjoint_M(buffer): border values are added onto the elements the
// convolution's Pad_M copied them from. With ZEROS that is Caffe's crop.
// Backward: buffer diff = Pad_M(top diff), then the pad-0 backward.
#pragma once

#include <vector>

#include "cnn/layers/conv/convolution_layer.hpp"

namespace cnn {

class DeconvolutionLayer : public ConvolutionLayer {
 public:
  explicit DeconvolutionLayer(const LayerParameter& param) : ConvolutionLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Deconvolution"; }

 protected:
  std::vector<int> WeightShape() const override;
  const char* WeightAxes() const override { return "(channels, num_output / group, kernel per spatial axis)"; }

  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

  int in_channels_ = 0;           // the bottom's channels (geom_.channels is num_output)
  int in_[kMaxConvAxes] = {};  // the bottom's spatial sizes (geom_.in holds the top's)
};

}  // namespace cnn
