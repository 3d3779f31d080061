// Im2col: the column matrix a convolution multiplies, as a layer. For each
// item, the input's C x H x W image becomes (C * kh * kw) x out_h x out_w:
// channel (c, ki, kj) holds, at (oh, ow), the pixel kernel tap (ki, kj) of
// input channel c reads at that output position (0 in the padding); with
// other numbers of spatial axes likewise, C x D x H x W becoming
// (C * kd * kh * kw) x out_d x out_h x out_w, say. Reads convolution_param's
// kernel, stride, pad, dilation, axis and force_nd_im2col (num_output and
// the rest are ignored, as in Caffe), with Convolution's N-D rules.
#pragma once

#include "cnn/core/layer.hpp"
#include "cnn/layers/conv/im2col.hpp"

namespace cnn {

class Im2colLayer : public Layer {
 public:
  explicit Im2colLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Im2col"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  int channel_axis_ = 1;
  int num_ = 0;  // items: the product of the axes before the channel axis
  ConvGeometryNd geom_;
  bool force_nd_ = false;
};

}  // namespace cnn
