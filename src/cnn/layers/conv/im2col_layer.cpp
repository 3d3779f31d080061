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
  ReadConvWindow(p, w, &geom_);
}

void Im2colLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  const Blob& in = *bottom[0];
  const int n = in.num_axes();
  CNN_CHECK(p.axis() >= -n && p.axis() < n,
            where() << "axis " << p.axis() << " out of range for input of shape " << in.shape_string());
  channel_axis_ = in.CanonicalAxisIndex(p.axis());
  // force_nd_im2col changes only how Caffe computes the same columns.
  CNN_CHECK(n - channel_axis_ - 1 == 2, where() << "supports 2 spatial axes after the channel axis " << channel_axis_
                                                << " (N x C x H x W), got input of shape " << in.shape_string());
  geom_.channels = in.shape(channel_axis_);
  geom_.height = in.shape(channel_axis_ + 1);
  geom_.width = in.shape(channel_axis_ + 2);
  CNN_CHECK(
      geom_.extent_h() <= geom_.height + 2 * geom_.pad_h && geom_.extent_w() <= geom_.width + 2 * geom_.pad_w,
      where() << "kernel " << geom_.kernel_h << "x" << geom_.kernel_w << " (extent " << geom_.extent_h() << "x"
              << geom_.extent_w() << " with dilation " << geom_.dilation_h << "x" << geom_.dilation_w
              << ") larger than padded input " << geom_.height + 2 * geom_.pad_h << "x"
              << geom_.width + 2 * geom_.pad_w << " (input " << geom_.height << "x" << geom_.width << ", pad "
              << geom_.pad_h << "x" << geom_.pad_w << ")");
  num_ = in.count(0, channel_axis_);
  std::vector<int> shape(in.shape().begin(), in.shape().begin() + channel_axis_);
  shape.push_back(geom_.col_rows());
  shape.push_back(geom_.out_h());
  shape.push_back(geom_.out_w());
  top[0]->Reshape(shape);
}

void Im2colLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  // One image at a time: Im2Col's layout for one image is the top's.
  for (int i = 0; i < num_; ++i) Im2Col(x + i * in_dim, 1, geom_, y + i * out_dim);
}

void Im2colLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int i = 0; i < num_; ++i) Col2Im(dy + i * out_dim, 1, geom_, dx + i * in_dim);
}

CNN_REGISTER_LAYER(Im2col, Im2colLayer);

}  // namespace cnn
