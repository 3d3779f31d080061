#include "cnn/layers/neuron/sigmoid_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

// The CPU's tanh form: no overflow for any x. tanhf on the device may differ
// from the host's by an ulp or two.
__global__ void SigmoidForward(long long n, const float* x, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = 0.5f * tanhf(0.5f * x[i]) + 0.5f;
}

__global__ void SigmoidBackward(long long n, const float* y, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(i, n) {
    const float v = y[i];
    dx[i] = dy[i] * v * (1.f - v);
  }
}

}  // namespace

void SigmoidLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  SigmoidForward<<<gpu::Blocks(n), gpu::kThreads>>>(n, x, y);
  CNN_KERNEL_CHECK();
}

// Reads only the top's values, so it is right in place too.
void SigmoidLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  if (n == 0) return;
  const float* y = top[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  SigmoidBackward<<<gpu::Blocks(n), gpu::kThreads>>>(n, y, dy, dx);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
