// DeconvolutionLayer on oneDNN's CPU deconvolution primitives: forward,
// backward data and backward weights + bias over the whole batch, with
// groups, stride, zero padding and dilation, over one, two or three spatial
// axes. oneDNN indexes the weights (group, out, in, k...) where ours are
// (in, out / group, k...): the weights' descriptor is ours with the two
// channel axes' strides swapped, reordered into the primitive's layout.
//
// Our own CPU code runs instead (uses_dnnl() false) for padding_mode other
// than ZEROS, more than three spatial axes, force_nd_im2col, an empty batch
// or a geometry the library refuses. GPU passes are our layer's.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/conv/deconvolution_layer.hpp"

namespace cnn {

class DnnlDeconvolutionLayer : public DeconvolutionLayer {
 public:
  explicit DnnlDeconvolutionLayer(const LayerParameter& param);
  ~DnnlDeconvolutionLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  bool Supported() const;
  void Prepare();
  void PrepareBackward(bool data, bool weights);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
