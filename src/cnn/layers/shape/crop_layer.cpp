#include "cnn/layers/shape/crop_layer.hpp"

#include <algorithm>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void CropLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const CropParameter& p = layer_param_.crop_param();
  const Blob& in = *bottom[0];
  const Blob& ref = *bottom[1];
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom 0 are the same blob)");
  const int n = in.num_axes();
  CNN_CHECK(p.axis() >= -n && p.axis() < n,
            where() << "axis " << p.axis() << " out of range for bottom 0 of shape " << in.shape_string());
  const int start = in.CanonicalAxisIndex(p.axis());
  CNN_CHECK(p.offset_size() <= 1 || p.offset_size() == n - start,
            where() << p.offset_size() << " offset values for " << n - start << " cropped axes (axis " << start
                    << " on of bottom 0 of shape " << in.shape_string() << "); give one value or one per axis");
  CNN_CHECK(ref.num_axes() >= n, where() << "bottom 1 of shape " << ref.shape_string()
                                         << " has fewer axes than bottom 0 of shape " << in.shape_string());
  std::vector<int> shape = in.shape();
  index_.num_axes = n;
  long long stride = 1;
  for (int a = n - 1; a >= 0; --a) {
    index_.bottom_stride[a] = stride;
    stride *= in.shape(a);
  }
  for (int a = 0; a < n; ++a) {
    long long offset = 0;
    if (a >= start) {
      if (p.offset_size() == 1) offset = p.offset(0);
      if (p.offset_size() > 1) offset = p.offset(a - start);
      CNN_CHECK(offset + ref.shape(a) <= in.shape(a),
                where() << "crop of axis " << a << " to size " << ref.shape(a) << " at offset " << offset
                        << " does not fit in bottom 0 of shape " << in.shape_string() << " (bottom 1 has shape "
                        << ref.shape_string() << ")");
      shape[a] = ref.shape(a);
    }
    index_.offset[a] = static_cast<int>(offset);
    index_.top_shape[a] = shape[a];
  }
  top[0]->Reshape(shape);
}

namespace {

// Copies the top's contiguous last-axis runs to or from their places in the
// bottom.
void CropRows(const CropIndex& c, long long top_count, const float* from, float* to, bool forward) {
  const int row = c.num_axes > 0 ? c.top_shape[c.num_axes - 1] : 1;
  if (row == 0) return;
  for (long long t = 0; t < top_count; t += row) {
    const long long b = CropSource(c, t);
    if (forward) {
      std::copy(from + b, from + b + row, to + t);
    } else {
      std::copy(from + t, from + t + row, to + b);
    }
  }
}

}  // namespace

void CropLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CropRows(index_, top[0]->count(), bottom[0]->cpu_data(), top[0]->mutable_cpu_data(), true);
}

void CropLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  // Bottom 1 only lends its shape, so its gradient is zero.
  if (propagate_down[1] && bottom[1]->count() > 0) cpu_set(bottom[1]->count(), 0.f, bottom[1]->mutable_cpu_diff());
  if (!propagate_down[0] || bottom[0]->count() == 0) return;
  float* diff = bottom[0]->mutable_cpu_diff();
  cpu_set(bottom[0]->count(), 0.f, diff);
  CropRows(index_, top[0]->count(), top[0]->cpu_diff(), diff, false);
}

CNN_REGISTER_LAYER(Crop, CropLayer);

}  // namespace cnn
