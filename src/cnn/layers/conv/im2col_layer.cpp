#include "cnn/layers/conv/im2col_layer.hpp"

#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/conv/conv_geometry_param.hpp"

namespace cnn {

void Im2colLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  const std::string w = where();
  CNN_CHECK(top[0] != bottom[0], w << "cannot run in place (top and bottom are the same blob)");
  channel_axis_ = ReadConvWindow(p, *bottom[0], w, &geom_);
  force_nd_ = p.force_nd_im2col();
  CNN_CHECK(p.padding_mode() == ZEROS, w << "padding_mode " << PaddingMode_Name(p.padding_mode())
                                         << " is not supported: Im2col pads with zeros only (padding_mode ZEROS)");
}

void Im2colLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  CheckConvAxisCount(in, channel_axis_, geom_, where());
  geom_.channels = in.shape(channel_axis_);
  ReadConvInput(in, channel_axis_, where(), &geom_);
  num_ = in.count(0, channel_axis_);
  std::vector<int> shape(in.shape().begin(), in.shape().begin() + channel_axis_);
  shape.push_back(geom_.col_rows());
  for (int a = 0; a < geom_.axes; ++a) shape.push_back(geom_.out(a));
  top[0]->Reshape(shape);
}

void Im2colLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  // One image at a time: Im2Col's layout for one image is the top's.
  for (int i = 0; i < num_; ++i) Im2Col(x + i * in_dim, 1, geom_, y + i * out_dim, force_nd_);
}

void Im2colLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int i = 0; i < num_; ++i) Col2Im(dy + i * out_dim, 1, geom_, dx + i * in_dim, force_nd_);
}

CNN_REGISTER_LAYER(Im2col, Im2colLayer);

}  // namespace cnn
