#include "cnn/layers/neuron/dropout_layer.hpp"

#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void DropoutLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  ratio_ = layer_param_.dropout_param().dropout_ratio();
  CNN_CHECK(ratio_ >= 0.f && ratio_ < 1.f, where() << "dropout_ratio must be in [0, 1), got " << ratio_);
  scale_ = 1.f / (1.f - ratio_);
}

void DropoutLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  // Grown, never shrunk, like a Blob's memory. Reallocating loses the old
  // mask, which is fine: Reshape runs at the start of a forward, which
  // draws a new one before any backward reads it.
  const size_t bytes = sizeof(unsigned) * static_cast<size_t>(bottom[0]->count());
  if (!mask_ || mask_->size() < bytes) mask_ = std::make_unique<SyncedMemory>(bytes);
}

void DropoutLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  if (phase_ != TRAIN) {
    cpu_copy(n, x, y);
    return;
  }
  if (n == 0) return;
  unsigned* m = static_cast<unsigned*>(mask_->mutable_cpu_data());
  rng_bernoulli(n, 1.f - ratio_, m);
  const float s = scale_;
  for (int i = 0; i < n; ++i) y[i] = m[i] ? x[i] * s : 0.f;
}

void DropoutLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  if (phase_ != TRAIN) {
    cpu_copy(n, dy, dx);
    return;
  }
  if (n == 0) return;
  const unsigned* m = static_cast<const unsigned*>(mask_->cpu_data());
  const float s = scale_;
  for (int i = 0; i < n; ++i) dx[i] = m[i] ? dy[i] * s : 0.f;
}

CNN_REGISTER_LAYER(Dropout, DropoutLayer);

}  // namespace cnn
