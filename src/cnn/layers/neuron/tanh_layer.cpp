#include "cnn/layers/neuron/tanh_layer.hpp"

#include <cmath>

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void TanHLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
}

void TanHLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  for (int i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void TanHLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  const float* y = top[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int i = 0; i < n; ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]);
}

CNN_REGISTER_LAYER(TanH, TanHLayer);

}  // namespace cnn
