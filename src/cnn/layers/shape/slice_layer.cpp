#include "cnn/layers/shape/slice_layer.hpp"

#include <algorithm>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void SliceLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const SliceParameter& p = layer_param_.slice_param();
  CNN_CHECK(!(p.has_axis() && p.has_slice_dim()), where() << "give either axis or slice_dim, not both");
  for (Blob* t : top) {
    CNN_CHECK(t != bottom[0], where() << "cannot run in place (a top is the bottom blob)");
  }
}

void SliceLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const SliceParameter& p = layer_param_.slice_param();
  const Blob& in = *bottom[0];
  const int num_axes = in.num_axes();
  if (p.has_slice_dim()) {
    // slice_dim is unsigned: a negative axis would arrive as a huge number.
    CNN_CHECK(p.slice_dim() < static_cast<uint32_t>(num_axes),
              where() << "slice_dim " << p.slice_dim() << " out of range for bottom of shape " << in.shape_string());
    slice_axis_ = static_cast<int>(p.slice_dim());
  } else {
    CNN_CHECK(p.axis() >= -num_axes && p.axis() < num_axes,
              where() << "axis " << p.axis() << " out of range for bottom of shape " << in.shape_string());
    slice_axis_ = in.CanonicalAxisIndex(p.axis());
  }
  const int axis_size = in.shape(slice_axis_);
  const int n_top = static_cast<int>(top.size());
  std::vector<int> sizes;
  if (p.slice_point_size() > 0) {
    CNN_CHECK(p.slice_point_size() == n_top - 1,
              where() << p.slice_point_size() << " slice_point value(s) for " << n_top
                      << " top(s); give one fewer than the tops");
    CNN_CHECK(n_top <= axis_size, where() << n_top << " tops cannot slice axis " << slice_axis_ << " (size "
                                          << axis_size << ") of bottom of shape " << in.shape_string());
    uint32_t prev = 0;
    for (int i = 0; i < p.slice_point_size(); ++i) {
      const uint32_t point = p.slice_point(i);
      CNN_CHECK(point > prev, where() << "slice_point " << point << " (index " << i
                                      << ") must be greater than the one before (" << prev
                                      << "); points are strictly increasing and positive");
      CNN_CHECK(point <= static_cast<uint32_t>(axis_size),
                where() << "slice_point " << point << " is past the end of axis " << slice_axis_ << " (size "
                        << axis_size << ") of bottom of shape " << in.shape_string());
      sizes.push_back(static_cast<int>(point - prev));
      prev = point;
    }
    sizes.push_back(axis_size - static_cast<int>(prev));
  } else {
    CNN_CHECK(axis_size % n_top == 0, where() << n_top << " tops do not divide axis " << slice_axis_ << " (size "
                                              << axis_size << ") of bottom of shape " << in.shape_string()
                                              << " evenly; give slice_point values");
    sizes.assign(n_top, axis_size / n_top);
  }
  num_slices_ = in.count(0, slice_axis_);
  slice_size_ = in.count(slice_axis_ + 1);
  std::vector<int> shape = in.shape();
  for (int i = 0; i < n_top; ++i) {
    shape[slice_axis_] = sizes[i];
    top[i]->Reshape(shape);
  }
  // One top is the whole bottom: alias its values rather than copy them.
  if (n_top == 1) top[0]->ShareData(in);
}

void SliceLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (top.size() == 1) return;
  const float* in = bottom[0]->cpu_data();
  const int axis_size = bottom[0]->shape(slice_axis_);
  int offset = 0;
  for (Blob* t : top) {
    const int t_axis = t->shape(slice_axis_);
    const int chunk = t_axis * slice_size_;
    float* out = t->mutable_cpu_data();
    for (int n = 0; n < num_slices_; ++n) {
      const float* src = in + (static_cast<long long>(n) * axis_size + offset) * slice_size_;
      std::copy(src, src + chunk, out + static_cast<long long>(n) * chunk);
    }
    offset += t_axis;
  }
}

void SliceLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (top.size() == 1) {
    if (top[0]->diff() != bottom[0]->diff() && bottom[0]->count() > 0)
      cpu_copy(bottom[0]->count(), top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff());
    return;
  }
  float* in_diff = bottom[0]->mutable_cpu_diff();
  const int axis_size = bottom[0]->shape(slice_axis_);
  int offset = 0;
  for (Blob* t : top) {
    const int t_axis = t->shape(slice_axis_);
    const int chunk = t_axis * slice_size_;
    const float* out_diff = t->cpu_diff();
    for (int n = 0; n < num_slices_; ++n) {
      const float* src = out_diff + static_cast<long long>(n) * chunk;
      std::copy(src, src + chunk, in_diff + (static_cast<long long>(n) * axis_size + offset) * slice_size_);
    }
    offset += t_axis;
  }
}

CNN_REGISTER_LAYER(Slice, SliceLayer);

}  // namespace cnn
