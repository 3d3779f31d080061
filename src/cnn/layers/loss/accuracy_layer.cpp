#include "cnn/layers/loss/accuracy_layer.hpp"

#include <algorithm>
#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void AccuracyLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const AccuracyParameter& p = layer_param_.accuracy_param();
  CNN_CHECK(p.top_k() >= 1, where() << "top_k must be at least 1, got " << p.top_k());
  top_k_ = static_cast<int>(p.top_k());
  has_ignore_label_ = p.has_ignore_label();
  ignore_label_ = p.ignore_label();
}

void AccuracyLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const int axes = bottom[0]->num_axes();
  const int axis = layer_param_.accuracy_param().axis();
  CNN_CHECK(axis >= -axes && axis < axes,
            where() << "axis " << axis << " out of range for scores of shape " << bottom[0]->shape_string());
  const int a = axis < 0 ? axis + axes : axis;
  outer_num_ = bottom[0]->count(0, a);
  channels_ = bottom[0]->shape(a);
  inner_num_ = bottom[0]->count(a + 1);
  CNN_CHECK(outer_num_ * inner_num_ == bottom[1]->count(),
            where() << "needs one label per prediction: scores " << bottom[0]->shape_string()
                    << " with class axis " << a << " make " << outer_num_ * inner_num_
                    << " predictions, but labels " << bottom[1]->shape_string() << " hold "
                    << bottom[1]->count());
  CNN_CHECK(top_k_ <= channels_,
            where() << "top_k " << top_k_ << " exceeds the number of classes " << channels_);
  top[0]->Reshape(std::vector<int>{});
  if (top.size() > 1) top[1]->Reshape(std::vector<int>{channels_});
  class_count_.resize(channels_);
}

void AccuracyLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* scores = bottom[0]->cpu_data();
  const float* labels = bottom[1]->cpu_data();
  const size_t dim = static_cast<size_t>(channels_) * inner_num_;
  float* per_class = top.size() > 1 ? top[1]->mutable_cpu_data() : nullptr;
  if (per_class) std::fill(per_class, per_class + channels_, 0.f);
  std::fill(class_count_.begin(), class_count_.end(), 0);
  int correct = 0, count = 0;
  for (int o = 0; o < outer_num_; ++o) {
    for (int j = 0; j < inner_num_; ++j) {
      const int label = static_cast<int>(labels[o * inner_num_ + j]);
      if (has_ignore_label_ && label == ignore_label_) continue;
      if (label < 0 || label >= channels_) ThrowBadLabel(label, o * inner_num_ + j);
      ++count;
      ++class_count_[label];
      const float* s = scores + o * dim + j;
      const float truth = s[static_cast<size_t>(label) * inner_num_];
      // Count the classes scoring at least as high as the truth (itself
      // included); stop once that rules it out. A NaN score is never
      // correct (Caffe's comparison would call it right).
      if (std::isnan(truth)) continue;
      int at_least = 0;
      for (int c = 0; c < channels_ && at_least <= top_k_; ++c)
        at_least += s[static_cast<size_t>(c) * inner_num_] >= truth;
      if (at_least <= top_k_) {
        ++correct;
        if (per_class) ++per_class[label];
      }
    }
  }
  top[0]->mutable_cpu_data()[0] = count == 0 ? 0.f : static_cast<float>(correct) / count;
  if (per_class) {
    for (int c = 0; c < channels_; ++c)
      per_class[c] = class_count_[c] == 0 ? 0.f : per_class[c] / class_count_[c];
  }
}

void AccuracyLayer::ThrowBadLabel(int label, int position) const {
  CNN_THROW(where() << "label " << label << " at position " << position << " is outside [0, " << channels_
                    << ") (the scores have " << channels_ << " classes)");
}

void AccuracyLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  for (size_t i = 0; i < propagate_down.size(); ++i) {
    CNN_CHECK(!propagate_down[i], where() << "has no gradient; cannot backpropagate to bottom " << i);
  }
}

CNN_REGISTER_LAYER(Accuracy, AccuracyLayer);

}  // namespace cnn
