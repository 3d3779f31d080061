#include "cnn/layers/loss/softmax_loss_layer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void SoftmaxWithLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  LayerParameter softmax_param;
  softmax_param.set_name(name() + "/softmax");
  softmax_param.set_type("Softmax");
  *softmax_param.mutable_softmax_param() = layer_param_.softmax_param();
  softmax_ = std::make_unique<SoftmaxLayer>(softmax_param);
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_VALID, where());
}

void SoftmaxWithLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const int axes = bottom[0]->num_axes();
  const int axis = layer_param_.softmax_param().axis();
  CNN_CHECK(axis >= -axes && axis < axes,
            where() << "softmax axis " << axis << " out of range for scores of shape "
                    << bottom[0]->shape_string());
  const int a = axis < 0 ? axis + axes : axis;
  outer_num_ = bottom[0]->count(0, a);
  channels_ = bottom[0]->shape(a);
  inner_num_ = bottom[0]->count(a + 1);
  CNN_CHECK(outer_num_ * inner_num_ == bottom[1]->count(),
            where() << "needs one label per prediction: scores " << bottom[0]->shape_string()
                    << " with class axis " << a << " make " << outer_num_ * inner_num_
                    << " predictions, but labels " << bottom[1]->shape_string() << " hold "
                    << bottom[1]->count());
  softmax_->Reshape({bottom[0]}, {&prob_});
  top[0]->Reshape(std::vector<int>{});
  if (top.size() > 1) top[1]->ReshapeLike(*bottom[0]);
}

int SoftmaxWithLossLayer::LabelAt(const float* labels, int o, int j) const {
  const int label = static_cast<int>(labels[o * inner_num_ + j]);
  if (norm_.Ignores(label)) return label;
  if (label < 0 || label >= channels_) ThrowBadLabel(label, o * inner_num_ + j);
  return label;
}

void SoftmaxWithLossLayer::ThrowBadLabel(int label, int position) const {
  CNN_THROW(where() << "label " << label << " at position " << position << " is outside [0, " << channels_
                    << ") (the scores have " << channels_ << " classes)");
}

void SoftmaxWithLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  softmax_->Forward({bottom[0]}, {&prob_});
  const float* prob = prob_.cpu_data();
  const float* labels = bottom[1]->cpu_data();
  const size_t dim = static_cast<size_t>(channels_) * inner_num_;
  double loss = 0.0;
  int valid = 0;
  for (int o = 0; o < outer_num_; ++o) {
    for (int j = 0; j < inner_num_; ++j) {
      const int label = LabelAt(labels, o, j);
      if (norm_.Ignores(label)) continue;
      const float p = prob[o * dim + static_cast<size_t>(label) * inner_num_ + j];
      loss -= std::log(std::max(p, FLT_MIN));
      ++valid;
    }
  }
  top[0]->mutable_cpu_data()[0] = static_cast<float>(loss / Divisor(valid));
  if (top.size() > 1) top[1]->CopyFrom(prob_);
}

void SoftmaxWithLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  CNN_CHECK(propagate_down.size() < 2 || !propagate_down[1],
            where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  float* dx = bottom[0]->mutable_cpu_diff();
  cpu_copy(prob_.count(), prob_.cpu_data(), dx);
  const float* labels = bottom[1]->cpu_data();
  const size_t dim = static_cast<size_t>(channels_) * inner_num_;
  int valid = 0;
  for (int o = 0; o < outer_num_; ++o) {
    for (int j = 0; j < inner_num_; ++j) {
      const int label = LabelAt(labels, o, j);
      float* d = dx + o * dim + j;
      if (norm_.Ignores(label)) {
        for (int c = 0; c < channels_; ++c) d[static_cast<size_t>(c) * inner_num_] = 0.f;
      } else {
        d[static_cast<size_t>(label) * inner_num_] -= 1.f;
        ++valid;
      }
    }
  }
  // top[0]'s diff carries the loss weight.
  cpu_scal(prob_.count(), top[0]->cpu_diff()[0] / Divisor(valid), dx);
}

CNN_REGISTER_LAYER(SoftmaxWithLoss, SoftmaxWithLossLayer);

}  // namespace cnn
