#include "cnn/layers/neuron/relu_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

// The CPU's std::max(x, 0) + slope * std::min(x, 0) spelled out with the
// same comparisons (fmaxf would turn NaN into 0), so both sides agree bit
// for bit, signed zeros included.
__global__ void ReLUForward(long long n, float slope, const float* x, float* y) {
  CNN_KERNEL_LOOP(i, n) {
    const float v = x[i];
    const float pos = v < 0.f ? 0.f : v;
    const float neg = 0.f < v ? 0.f : v;
    y[i] = pos + slope * neg;
  }
}

// In place x holds the outputs, which have the inputs' signs for any
// slope >= 0: enough to pick the branch.
__global__ void ReLUBackward(long long n, float slope, const float* x, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(i, n) dx[i] = x[i] > 0.f ? dy[i] : slope * dy[i];
}

}  // namespace

void ReLULayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  ReLUForward<<<gpu::Blocks(n), gpu::kThreads>>>(n, negative_slope_, x, y);
  CNN_KERNEL_CHECK();
}

void ReLULayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  ReLUBackward<<<gpu::Blocks(n), gpu::kThreads>>>(n, negative_slope_, x, dy, dx);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
