#include "cnn/layers/neuron/relu_layer.hpp"

#include <algorithm>

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ReLULayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  negative_slope_ = layer_param_.relu_param().negative_slope();
}

void ReLULayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
}

void ReLULayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  const float slope = negative_slope_;
  // Caffe's exact expression, so a negative input with slope 0 gives +0 and
  // NaN propagates.
  for (int i = 0; i < n; ++i) y[i] = std::max(x[i], 0.f) + slope * std::min(x[i], 0.f);
}

void ReLULayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  // In place the "bottom" values are already the outputs; for any slope >= 0
  // they have the inputs' signs, which is all the gradient needs.
  const float* x = bottom[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  const float slope = negative_slope_;
  for (int i = 0; i < n; ++i) dx[i] = x[i] > 0.f ? dy[i] : slope * dy[i];
}

CNN_REGISTER_LAYER(ReLU, ReLULayer);

}  // namespace cnn
