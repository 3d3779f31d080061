#include "cnn/layers/conv/deconvolution_layer.hpp"

#include <climits>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/layers/conv/conv_geometry_param.hpp"

namespace cnn {

void DeconvolutionLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  // The weight shape needs the input channels before the shared set-up
  // creates the blobs; an out-of-range axis is reported by that set-up.
  const int axes = bottom[0]->num_axes();
  const int axis = layer_param_.convolution_param().axis();
  if (axis >= -axes && axis < axes) in_channels_ = bottom[0]->shape(bottom[0]->CanonicalAxisIndex(axis));
  ConvolutionLayer::LayerSetUp(bottom, top);
}

std::vector<int> DeconvolutionLayer::WeightShape() const {
  std::vector<int> shape = {in_channels_, num_output_ / group_};
  shape.insert(shape.end(), geom_.kernel, geom_.kernel + geom_.axes);
  return shape;
}

void DeconvolutionLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(top)) {
    DeconvolutionLayer::Reshape(bottom, padded_.BuffersFor(top));
    return padded_.ReshapeTargets(top, channel_axis_ + 1, where());
  }
  const Blob& b = *bottom[0];
  CheckConvAxisCount(b, channel_axis_, geom_, where());
  CNN_CHECK(b.shape(channel_axis_) == in_channels_, where() << "input has " << b.shape(channel_axis_)
                                                            << " channels but the weights expect " << in_channels_);
  for (size_t i = 1; i < bottom.size(); ++i) {
    CNN_CHECK(bottom[i]->shape() == b.shape(), where() << "bottom " << i << " has shape " << bottom[i]->shape_string()
                                                       << " but bottom 0 has " << b.shape_string()
                                                       << "; all inputs must match");
  }
  const int axes = geom_.axes;
  int64_t out[kMaxConvAxes], extent[kMaxConvAxes];
  bool positive = true, fits = true;
  for (int a = 0; a < axes; ++a) {
    in_[a] = b.shape(channel_axis_ + 1 + a);
    const int64_t pad = geom_.pad[a];
    extent[a] = static_cast<int64_t>(geom_.dilation[a]) * (geom_.kernel[a] - 1) + 1;
    out[a] = static_cast<int64_t>(geom_.stride[a]) * (in_[a] - 1) + extent[a] - 2 * pad;
    positive = positive && in_[a] > 0 && out[a] > 0;
    // The transposed convolution's padded input (the top and both pads)
    // must fit its int arithmetic.
    fits = fits && out[a] + 2 * pad <= INT_MAX;
  }
  if (!positive || !fits) {
    std::string out_text, extent_text;
    for (int a = 0; a < axes; ++a) {
      out_text += (a ? "x" : "") + std::to_string(out[a]);
      extent_text += (a ? "x" : "") + std::to_string(extent[a]);
    }
    CNN_CHECK(false, where() << "output size " << out_text << (positive ? " too large" : " is not positive")
                             << " for input " << b.shape_string() << " (stride " << AxesText(geom_.stride, axes)
                             << ", kernel extent " << extent_text << ", pad " << AxesText(geom_.pad, axes)
                             << "; output = stride * (in - 1) + extent - 2 * pad)");
  }
  // The transposed convolution maps the top (num_output channels) back onto
  // the bottom: its out(a) are the bottom's spatial sizes.
  geom_.channels = num_output_;
  std::vector<int> top_shape(b.shape().begin(), b.shape().begin() + channel_axis_);
  top_shape.push_back(num_output_);
  for (int a = 0; a < axes; ++a) {
    geom_.in[a] = static_cast<int>(out[a]);
    CNN_CHECK(geom_.out(a) == in_[a], where() << "internal: geometry does not invert");
    top_shape.push_back(geom_.in[a]);
  }
  CheckConvSizes(geom_, b, where());
  num_ = b.count(0, channel_axis_);
  for (Blob* t : top) t->Reshape(top_shape);

  chunk_ = 1;
  const size_t top_spatial = geom_.in_size();
  if (bias_term_ && ones_.size() != top_spatial) ones_.assign(top_spatial, 1.f);
}

void DeconvolutionLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(top)) {
    DeconvolutionLayer::Forward_cpu(bottom, padded_.buffers());
    return padded_.FoldData(top, false);
  }
  const int in_size = geom_.out_size();               // bottom pixels: the columns
  const int top_spatial = geom_.in_size();
  const int64_t in_dim = static_cast<int64_t>(in_channels_) * in_size;
  const int64_t out_dim = geom_.image_size();
  const int m = in_channels_ / group_;      // bottom channels per group
  const int k = geom_.col_rows() / group_;  // column rows per group
  const float* weight = blobs_[0]->cpu_data();
  const float* bias = bias_term_ ? blobs_[1]->cpu_data() : nullptr;
  // chunk_ is 1: one image's column matrix, from the shared workspace.
  float* col_buffer = BorrowChunkBuffers().col;
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* input = bottom[i]->cpu_data();
    float* output = top[i]->mutable_cpu_data();
    for (int n = 0; n < num_; ++n) {
      float* image = output + n * out_dim;
      // A 1x1, stride 1, unpadded kernel's col2im is the identity.
      float* col = is_1x1_ ? image : col_buffer;
      for (int g = 0; g < group_; ++g) {
        cpu_gemm(true, false, k, in_size, m, 1.f, weight + static_cast<int64_t>(g) * m * k,
                 input + n * in_dim + static_cast<int64_t>(g) * m * in_size, 0.f,
                 col + static_cast<int64_t>(g) * k * in_size);
      }
      if (!is_1x1_) Col2Im(col, 1, geom_, image, force_nd_);
      if (bias) {
        for (int c = 0; c < num_output_; ++c) cpu_add_scalar(top_spatial, bias[c], image + c * top_spatial);
      }
    }
  }
}

void DeconvolutionLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  if (padded_.Wraps(top)) return DeconvolutionLayer::Backward_cpu(padded_.PadDiff(top, false), propagate_down, bottom);
  const int in_size = geom_.out_size();
  const int top_spatial = geom_.in_size();
  const int64_t in_dim = static_cast<int64_t>(in_channels_) * in_size;
  const int64_t out_dim = geom_.image_size();
  const int m = in_channels_ / group_;
  const int k = geom_.col_rows() / group_;
  const float* weight = blobs_[0]->cpu_data();
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  float* weight_diff = weight_grad ? blobs_[0]->mutable_cpu_diff() : nullptr;
  float* col_buffer = BorrowChunkBuffers().col;
  for (size_t i = 0; i < top.size(); ++i) {
    if (!bias_grad && !weight_grad && !propagate_down[i]) continue;
    const float* top_diff = top[i]->cpu_diff();
    const float* input = bottom[i]->cpu_data();
    float* bottom_diff = propagate_down[i] ? bottom[i]->mutable_cpu_diff() : nullptr;
    for (int n = 0; n < num_; ++n) {
      const float* dimage = top_diff + n * out_dim;
      if (bias_grad) {
        cpu_gemv(false, num_output_, top_spatial, 1.f, dimage, ones_.data(), 1.f, blobs_[1]->mutable_cpu_diff());
      }
      if (!weight_grad && !bottom_diff) continue;
      const float* col = dimage;
      if (!is_1x1_) {
        float* c = col_buffer;
        Im2Col(dimage, 1, geom_, c, force_nd_);
        col = c;
      }
      for (int g = 0; g < group_; ++g) {
        const float* w_g = weight + static_cast<int64_t>(g) * m * k;
        const float* col_g = col + static_cast<int64_t>(g) * k * in_size;
        const int64_t x_off = n * in_dim + static_cast<int64_t>(g) * m * in_size;
        if (weight_grad) {
          cpu_gemm(false, true, m, k, in_size, 1.f, input + x_off, col_g, 1.f,
                   weight_diff + static_cast<int64_t>(g) * m * k);
        }
        if (bottom_diff) cpu_gemm(false, false, m, in_size, k, 1.f, w_g, col_g, 0.f, bottom_diff + x_off);
      }
    }
  }
}

CNN_REGISTER_LAYER(Deconvolution, DeconvolutionLayer);

}  // namespace cnn
