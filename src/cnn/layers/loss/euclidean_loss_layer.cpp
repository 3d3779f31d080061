#include "cnn/layers/loss/euclidean_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void EuclideanLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->count() == bottom[1]->count() && bottom[0]->num() == bottom[1]->num(),
            where() << "bottoms must have the same number of items and elements, got "
                    << bottom[0]->shape_string() << " and " << bottom[1]->shape_string());
  CNN_CHECK(bottom[0]->num() > 0,
            where() << "needs a non-empty batch, got shape " << bottom[0]->shape_string());
  diff_.ReshapeLike(*bottom[0]);
  top[0]->Reshape(std::vector<int>{});
}

void EuclideanLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  cpu_sub(n, bottom[0]->cpu_data(), bottom[1]->cpu_data(), diff_.mutable_cpu_data());
  const float* d = diff_.cpu_data();
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(d[i]) * d[i];
  top[0]->mutable_cpu_data()[0] = static_cast<float>(sum / (2.0 * bottom[0]->num()));
}

void EuclideanLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  const int n = diff_.count();
  const float* d = diff_.cpu_data();
  for (int i = 0; i < 2; ++i) {
    if (!propagate_down[i]) continue;
    // top[0]'s diff carries the loss weight.
    const float alpha = (i == 0 ? 1.f : -1.f) * top[0]->cpu_diff()[0] / bottom[i]->num();
    float* dx = bottom[i]->mutable_cpu_diff();
    for (int k = 0; k < n; ++k) dx[k] = alpha * d[k];
  }
}

CNN_REGISTER_LAYER(EuclideanLoss, EuclideanLossLayer);

}  // namespace cnn
