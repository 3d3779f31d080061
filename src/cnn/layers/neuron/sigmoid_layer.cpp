#include "cnn/layers/neuron/sigmoid_layer.hpp"

#include <cmath>

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void SigmoidLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
}

void SigmoidLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  // The tanh form never overflows, whatever the sign of x.
  for (int i = 0; i < n; ++i) y[i] = 0.5f * std::tanh(0.5f * x[i]) + 0.5f;
}

void SigmoidLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  const float* y = top[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}

CNN_REGISTER_LAYER(Sigmoid, SigmoidLayer);

}  // namespace cnn
