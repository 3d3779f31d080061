#include "cnn/layers/shape/filter_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/shape/filter_index.hpp"

namespace cnn {

void FilterLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(top.size() == bottom.size() - 1, where() << "has " << bottom.size() << " bottoms (data and a selector) and "
                                                     << top.size() << " top(s); it needs one top per data bottom ("
                                                     << bottom.size() - 1 << ")");
  selector_index_ = static_cast<int>(bottom.size()) - 1;
  first_reshape_ = true;
}

void FilterLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& selector = *bottom.back();
  CNN_CHECK(selector.num_axes() >= 1, where() << "the selector (last bottom) needs an item axis, got shape "
                                              << selector.shape_string());
  for (int a = 1; a < selector.num_axes(); ++a) {
    CNN_CHECK(selector.shape(a) == 1, where() << "the selector (last bottom) must be one value per item (every axis "
                                                 "after the first of size 1), got shape "
                                              << selector.shape_string());
  }
  num_ = selector.shape(0);
  for (size_t i = 0; i + 1 < bottom.size(); ++i) {
    CNN_CHECK(bottom[i]->num_axes() >= 1 && bottom[i]->shape(0) == num_,
              where() << "bottom " << i << " of shape " << bottom[i]->shape_string() << " does not have the "
                      << num_ << " items of the selector of shape " << selector.shape_string());
    CNN_CHECK(top[i] != bottom[i], where() << "cannot run in place (top " << i << " is bottom " << i << ")");
  }
  const size_t bytes = static_cast<size_t>(2 * num_ + 1) * sizeof(int);
  if (!rows_ || rows_->size() < bytes) rows_ = std::make_unique<SyncedMemory>(bytes);
  int* position = static_cast<int*>(rows_->mutable_cpu_data());
  int* kept = position + num_;
  const float* s = selector.cpu_data();
  num_kept_ = 0;
  for (int n = 0; n < num_; ++n) {
    // Caffe reads the selector as an int: 0.7 filters the item out.
    position[n] = -1;
    if (static_cast<int>(s[n]) != 0) {
      position[n] = num_kept_;
      kept[num_kept_++] = n;
    }
  }
  const int items = first_reshape_ ? num_ : num_kept_;
  first_reshape_ = false;
  for (size_t i = 0; i + 1 < bottom.size(); ++i) {
    std::vector<int> shape = bottom[i]->shape();
    shape[0] = items;
    top[i]->Reshape(shape);
  }
}

void FilterLayer::CheckNoSelectorGradient(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down.back(), where() << "cannot back-propagate to the selector (last bottom)");
}

void FilterLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int* kept = static_cast<const int*>(rows_->cpu_data()) + num_;
  for (size_t i = 0; i < top.size(); ++i) {
    const long long inner = bottom[i]->count(1);
    const long long count = static_cast<long long>(num_kept_) * inner;
    const float* in = bottom[i]->cpu_data();
    float* out = top[i]->mutable_cpu_data();
    for (long long t = 0; t < count; ++t) out[t] = in[FilterSource(t, inner, kept)];
  }
}

void FilterLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  CheckNoSelectorGradient(propagate_down);
  const int* position = static_cast<const int*>(rows_->cpu_data());
  for (size_t i = 0; i < top.size(); ++i) {
    if (!propagate_down[i]) continue;
    const long long inner = bottom[i]->count(1);
    const long long count = bottom[i]->count();
    const float* top_diff = top[i]->cpu_diff();
    float* diff = bottom[i]->mutable_cpu_diff();
    for (long long b = 0; b < count; ++b) diff[b] = FilterGradient(b, inner, position, top_diff);
  }
}

CNN_REGISTER_LAYER(Filter, FilterLayer);

}  // namespace cnn
