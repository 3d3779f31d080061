#include "cnn/layers/shape/concat_layer.hpp"

#include <algorithm>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void ConcatLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ConcatParameter& p = layer_param_.concat_param();
  CNN_CHECK(!(p.has_axis() && p.has_concat_dim()), where() << "give either axis or concat_dim, not both");
}

void ConcatLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const ConcatParameter& p = layer_param_.concat_param();
  const int num_axes = bottom[0]->num_axes();
  if (p.has_concat_dim()) {
    // concat_dim is unsigned: a negative axis would arrive as a huge number.
    CNN_CHECK(p.concat_dim() < static_cast<uint32_t>(num_axes),
              where() << "concat_dim " << p.concat_dim() << " out of range for bottom 0 of shape "
                      << bottom[0]->shape_string());
    concat_axis_ = static_cast<int>(p.concat_dim());
  } else {
    CNN_CHECK(p.axis() >= -num_axes && p.axis() < num_axes, where() << "axis " << p.axis()
                                                                    << " out of range for bottom 0 of shape "
                                                                    << bottom[0]->shape_string());
    concat_axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  }

  std::vector<int> top_shape = bottom[0]->shape();
  for (size_t i = 1; i < bottom.size(); ++i) {
    bool fits = bottom[i]->num_axes() == num_axes;
    for (int j = 0; fits && j < num_axes; ++j) {
      if (j != concat_axis_ && bottom[i]->shape(j) != top_shape[j]) fits = false;
    }
    CNN_CHECK(fits, where() << "bottom " << i << " has shape " << bottom[i]->shape_string()
                            << " but bottom 0 has " << bottom[0]->shape_string()
                            << "; all axes except the concat axis " << concat_axis_ << " must match");
    top_shape[concat_axis_] += bottom[i]->shape(concat_axis_);
  }
  num_concats_ = bottom[0]->count(0, concat_axis_);
  concat_input_size_ = bottom[0]->count(concat_axis_ + 1);
  top[0]->Reshape(top_shape);
  // With one input the output is the input: alias the values instead of copying.
  if (bottom.size() == 1) top[0]->ShareData(*bottom[0]);
}

void ConcatLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (bottom.size() == 1) return;
  float* top_data = top[0]->mutable_cpu_data();
  const int top_axis = top[0]->shape(concat_axis_);
  int axis_offset = 0;
  for (Blob* b : bottom) {
    const int b_axis = b->shape(concat_axis_);
    const int chunk = b_axis * concat_input_size_;
    const float* b_data = b->cpu_data();
    for (int n = 0; n < num_concats_; ++n) {
      std::copy(b_data + n * chunk, b_data + (n + 1) * chunk,
                top_data + (n * top_axis + axis_offset) * concat_input_size_);
    }
    axis_offset += b_axis;
  }
}

void ConcatLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  const float* top_diff = top[0]->cpu_diff();
  const int top_axis = top[0]->shape(concat_axis_);
  int axis_offset = 0;
  for (size_t i = 0; i < bottom.size(); ++i) {
    Blob* b = bottom[i];
    const int b_axis = b->shape(concat_axis_);
    if (propagate_down[i] && b->diff() != top[0]->diff()) {
      const int chunk = b_axis * concat_input_size_;
      float* b_diff = b->mutable_cpu_diff();
      for (int n = 0; n < num_concats_; ++n) {
        const float* src = top_diff + (n * top_axis + axis_offset) * concat_input_size_;
        std::copy(src, src + chunk, b_diff + n * chunk);
      }
    }
    axis_offset += b_axis;
  }
}

CNN_REGISTER_LAYER(Concat, ConcatLayer);

}  // namespace cnn
