#include "cnn/layers/loss/sigmoid_cross_entropy_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void SigmoidCrossEntropyLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_BATCH_SIZE, where());
}

void SigmoidCrossEntropyLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() > 0 && bottom[1]->num_axes() > 0 && bottom[0]->shape(0) == bottom[1]->shape(0) &&
                bottom[0]->count() == bottom[1]->count(),
            where() << "scores and targets need the same first dimension and the same count, got scores "
                    << bottom[0]->shape_string() << " and targets " << bottom[1]->shape_string());
  outer_num_ = bottom[0]->shape(0);
  inner_num_ = bottom[0]->count(1);
  top[0]->Reshape(std::vector<int>{});
}

void SigmoidCrossEntropyLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = bottom[0]->cpu_data();
  const float* t = bottom[1]->cpu_data();
  const int n = bottom[0]->count();
  double loss = 0.0;
  int valid = 0;
  for (int i = 0; i < n; ++i) {
    if (norm_.Ignores(static_cast<int>(t[i]))) continue;
    loss += SigmoidCrossEntropy(x[i], t[i]);
    ++valid;
  }
  top[0]->mutable_cpu_data()[0] = static_cast<float>(loss / norm_.Divisor(n, outer_num_, valid));
}

void SigmoidCrossEntropyLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                                const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the targets (bottom 1)");
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->cpu_data();
  const float* t = bottom[1]->cpu_data();
  float* dx = bottom[0]->mutable_cpu_diff();
  const int n = bottom[0]->count();
  int valid = 0;
  for (int i = 0; i < n; ++i) {
    if (norm_.Ignores(static_cast<int>(t[i]))) {
      dx[i] = 0.f;
    } else {
      dx[i] = SigmoidOf(x[i]) - t[i];
      ++valid;
    }
  }
  // top[0]'s diff carries the loss weight.
  const float scale = top[0]->cpu_diff()[0] / norm_.Divisor(n, outer_num_, valid);
  for (int i = 0; i < n; ++i) dx[i] *= scale;
}

CNN_REGISTER_LAYER(SigmoidCrossEntropyLoss, SigmoidCrossEntropyLossLayer);

}  // namespace cnn
