#include "cnn/layers/math/argmax_layer.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/math/argmax_index.hpp"

namespace cnn {

void ArgMaxLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const ArgMaxParameter& p = layer_param_.argmax_param();
  const Blob& in = *bottom[0];
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
  CNN_CHECK(p.top_k() >= 1, where() << "top_k must be at least 1, got " << p.top_k());
  has_axis_ = p.has_axis();
  out_max_val_ = p.out_max_val();
  const int n = in.num_axes();
  std::vector<int> shape(std::max(n, 3), 1);
  if (has_axis_) {
    CNN_CHECK(p.axis() >= -n && p.axis() < n,
              where() << "axis " << p.axis() << " out of range for bottom of shape " << in.shape_string());
    const int axis = in.CanonicalAxisIndex(p.axis());
    dim_ = in.shape(axis);
    CNN_CHECK(p.top_k() <= static_cast<uint32_t>(dim_), where() << "top_k " << p.top_k() << " exceeds the size "
                                                                << dim_ << " of axis " << axis
                                                                << " of bottom of shape " << in.shape_string());
    stride_ = in.count(axis + 1);
    shape = in.shape();
    shape[axis] = static_cast<int>(p.top_k());
  } else {
    CNN_CHECK(n >= 1, where() << "needs a bottom with at least one axis, got shape " << in.shape_string());
    dim_ = in.count(1);
    CNN_CHECK(p.top_k() <= static_cast<uint32_t>(dim_), where() << "top_k " << p.top_k()
                                                                << " exceeds the number of values per item, "
                                                                << dim_ << ", of bottom of shape "
                                                                << in.shape_string());
    stride_ = 1;
    shape[0] = in.shape(0);
    shape[2] = static_cast<int>(p.top_k());
    if (out_max_val_) shape[1] = 2;
  }
  top_k_ = static_cast<int>(p.top_k());
  rows_ = dim_ > 0 ? in.count() / dim_ : 0;
  top[0]->Reshape(shape);
}

void ArgMaxLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  std::vector<std::pair<float, int>> row(dim_);
  const auto before = [](const std::pair<float, int>& a, const std::pair<float, int>& b) {
    return ArgMaxBefore(a.first, a.second, b.first, b.second);
  };
  for (long long r = 0; r < rows_; ++r) {
    for (int j = 0; j < dim_; ++j) row[j] = {x[ArgMaxBottomIndex(r, j, dim_, stride_)], j};
    std::partial_sort(row.begin(), row.begin() + top_k_, row.end(), before);
    for (int j = 0; j < top_k_; ++j) {
      if (has_axis_) {
        y[ArgMaxTopIndex(r, j, top_k_, stride_)] = out_max_val_ ? row[j].first : static_cast<float>(row[j].second);
      } else if (out_max_val_) {
        y[2 * r * top_k_ + j] = static_cast<float>(row[j].second);
        y[2 * r * top_k_ + top_k_ + j] = row[j].first;
      } else {
        y[r * top_k_ + j] = static_cast<float>(row[j].second);
      }
    }
  }
}

void ArgMaxLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[0], where() << "has no gradient; nothing may back-propagate through it");
}

CNN_REGISTER_LAYER(ArgMax, ArgMaxLayer);

}  // namespace cnn
