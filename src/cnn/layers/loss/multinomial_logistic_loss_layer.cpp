#include "cnn/layers/loss/multinomial_logistic_loss_layer.hpp"

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

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
