#include "cnn/layers/loss/multinomial_logistic_loss_layer.hpp"

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void MultinomialLogisticLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_BATCH_SIZE, where());
}

void MultinomialLogisticLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() > 0 && bottom[0]->shape(0) > 0 && bottom[1]->num_axes() > 0 &&
                bottom[1]->shape(0) == bottom[0]->shape(0) && bottom[1]->count() == bottom[0]->shape(0),
            where() << "needs one label per item: probabilities " << bottom[0]->shape_string() << " hold "
                    << (bottom[0]->num_axes() > 0 ? bottom[0]->shape(0) : 0) << " items, labels "
                    << bottom[1]->shape_string() << " (expected N or N x 1 x 1 x 1)");
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count() / num_;
  top[0]->Reshape(std::vector<int>{});
}

int MultinomialLogisticLossLayer::LabelAt(const float* labels, int i) const {
  const int label = static_cast<int>(labels[i]);
  if (!norm_.Ignores(label) && (label < 0 || label >= dim_)) ThrowBadLabel(label, i);
  return label;
}

void MultinomialLogisticLossLayer::ThrowBadLabel(int label, int item) const {
  CNN_THROW(where() << "label " << label << " of item " << item << " is outside [0, " << dim_
                    << ") (the probabilities have " << dim_ << " classes)");
}

void MultinomialLogisticLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* p = bottom[0]->cpu_data();
  const float* labels = bottom[1]->cpu_data();
  double loss = 0.0;
  int valid = 0;
  for (int i = 0; i < num_; ++i) {
    const int label = LabelAt(labels, i);
    if (norm_.Ignores(label)) continue;
    loss -= std::log(FlooredProbability(p[static_cast<size_t>(i) * dim_ + label]));
    ++valid;
  }
  top[0]->mutable_cpu_data()[0] = static_cast<float>(loss / norm_.Divisor(num_, num_, valid));
}

void MultinomialLogisticLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                                const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  const float* p = bottom[0]->cpu_data();
  const float* labels = bottom[1]->cpu_data();
  float* dx = bottom[0]->mutable_cpu_diff();
  cpu_set(bottom[0]->count(), 0.f, dx);
  int valid = 0;
  for (int i = 0; i < num_; ++i) {
    const int label = LabelAt(labels, i);
    if (norm_.Ignores(label)) continue;
    ++valid;
  }
  // top[0]'s diff carries the loss weight.
  const float scale = -top[0]->cpu_diff()[0] / norm_.Divisor(num_, num_, valid);
  for (int i = 0; i < num_; ++i) {
    const int label = LabelAt(labels, i);
    if (norm_.Ignores(label)) continue;
    const size_t k = static_cast<size_t>(i) * dim_ + label;
    dx[k] = scale / FlooredProbability(p[k]);
  }
}

CNN_REGISTER_LAYER(MultinomialLogisticLoss, MultinomialLogisticLossLayer);

}  // namespace cnn
