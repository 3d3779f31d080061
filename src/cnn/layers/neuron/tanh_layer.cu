#include "cnn/layers/neuron/tanh_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

__global__ void TanHForward(long long n, const float* x, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = tanhf(x[i]);
}

__global__ void TanHBackward(long long n, const float* y, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(i, n) {
    const float v = y[i];
    dx[i] = dy[i] * (1.f - v * v);
  }
}

}  // namespace

void TanHLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  TanHForward<<<gpu::Blocks(n), gpu::kThreads>>>(n, x, y);
  CNN_KERNEL_CHECK();
}

// Reads only the top's values, so it is right in place too.
void TanHLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  if (n == 0) return;
  const float* y = top[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  TanHBackward<<<gpu::Blocks(n), gpu::kThreads>>>(n, y, dy, dx);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
