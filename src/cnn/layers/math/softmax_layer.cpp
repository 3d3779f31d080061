#include "cnn/layers/math/softmax_layer.hpp"

#include <algorithm>
#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void SoftmaxLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const int axes = bottom[0]->num_axes();
  const int axis = layer_param_.softmax_param().axis();
  CNN_CHECK(axis >= -axes && axis < axes,
            where() << "axis " << axis << " out of range for input of shape " << bottom[0]->shape_string());
  axis_ = axis < 0 ? axis + axes : axis;
  outer_num_ = bottom[0]->count(0, axis_);
  channels_ = bottom[0]->shape(axis_);
  inner_num_ = bottom[0]->count(axis_ + 1);
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  buffer_.resize(inner_num_);
}

void SoftmaxLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (bottom[0]->count() == 0) return;
  const int C = channels_, inner = inner_num_;
  const size_t dim = static_cast<size_t>(C) * inner;
  float* m = buffer_.data();
  const float* bottom_data = bottom[0]->cpu_data();
  float* top_data = top[0]->mutable_cpu_data();
  for (int o = 0; o < outer_num_; ++o) {
    const float* x = bottom_data + o * dim;
    float* y = top_data + o * dim;
    // Subtracting the max keeps exp() from overflowing; the result is unchanged.
    std::copy(x, x + inner, m);
    for (int c = 1; c < C; ++c) {
      const float* xc = x + static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) m[j] = std::max(m[j], xc[j]);
    }
    for (int c = 0; c < C; ++c) {
      const float* xc = x + static_cast<size_t>(c) * inner;
      float* yc = y + static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) yc[j] = std::exp(xc[j] - m[j]);
    }
    // m is free again: reuse it for the sums.
    std::fill(m, m + inner, 0.f);
    for (int c = 0; c < C; ++c) {
      const float* yc = y + static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) m[j] += yc[j];
    }
    for (int c = 0; c < C; ++c) {
      float* yc = y + static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) yc[j] /= m[j];
    }
  }
}

// dx_c = y_c * (dy_c - sum_c' dy_c' y_c').
void SoftmaxLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0] || top[0]->count() == 0) return;
  const int C = channels_, inner = inner_num_;
  const size_t dim = static_cast<size_t>(C) * inner;
  float* dot = buffer_.data();
  const float* top_data = top[0]->cpu_data();
  const float* top_diff = top[0]->cpu_diff();
  float* bottom_diff = bottom[0]->mutable_cpu_diff();
  for (int o = 0; o < outer_num_; ++o) {
    const float* y = top_data + o * dim;
    const float* dy = top_diff + o * dim;
    float* dx = bottom_diff + o * dim;
    // All dots first: in place, dx overwrites dy.
    std::fill(dot, dot + inner, 0.f);
    for (int c = 0; c < C; ++c) {
      const size_t off = static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) dot[j] += dy[off + j] * y[off + j];
    }
    for (int c = 0; c < C; ++c) {
      const size_t off = static_cast<size_t>(c) * inner;
      for (int j = 0; j < inner; ++j) dx[off + j] = y[off + j] * (dy[off + j] - dot[j]);
    }
  }
}

CNN_REGISTER_LAYER(Softmax, SoftmaxLayer);

}  // namespace cnn
