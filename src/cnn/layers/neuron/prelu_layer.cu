#include "cnn/layers/neuron/prelu_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/neuron/prelu_formula.hpp"

namespace cnn {
namespace {

__global__ void PReLUForwardKernel(long long n, int inner, int channels, bool shared, const float* x,
                                   const float* slope, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = prelu::Forward(x[i], slope[prelu::SlopeIndex(i, inner, channels, shared)]);
}

__global__ void PReLUBottomDiffKernel(long long n, int inner, int channels, bool shared, const float* x,
                                      const float* slope, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(i, n) dx[i] = prelu::BottomDiff(x[i], slope[prelu::SlopeIndex(i, inner, channels, shared)], dy[i]);
}

// One block per slope: each thread sums a fixed stride of that slope's
// elements, then a fixed tree adds the partial sums. No atomics, so the
// order, and the result, is the same on every run.
constexpr int kReduceThreads = 256;
__global__ void PReLUSlopeDiffKernel(long long per_slope, int inner, int channels, bool shared,
                                     const float* x, const float* dy, float* slope_diff) {
  __shared__ float partial[kReduceThreads];
  const int c = blockIdx.x;
  float sum = 0.f;
  for (long long k = threadIdx.x; k < per_slope; k += kReduceThreads) {
    // Per channel, k runs over (sample, position); shared, over everything.
    const long long i = shared ? k : ((k / inner) * channels + c) * inner + k % inner;
    sum += prelu::SlopeDiff(x[i], dy[i]);
  }
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = kReduceThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) slope_diff[c] += partial[0];
}

}  // namespace

void PReLULayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count(), inner = bottom[0]->count(2), channels = bottom[0]->shape(1);
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  if (top[0] == bottom[0]) gpu_copy(n, x, input_copy_.mutable_gpu_data());
  PReLUForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, inner, channels, channel_shared_, x,
                                                          blobs_[0]->gpu_data(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void PReLULayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  const int n = bottom[0]->count(), inner = bottom[0]->count(2), channels = bottom[0]->shape(1);
  if (n == 0) return;
  const float* x = top[0] == bottom[0] ? input_copy_.gpu_data() : bottom[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  if (param_propagate_down(0)) {
    const int slopes = channel_shared_ ? 1 : channels;
    const long long per_slope = static_cast<long long>(n) / slopes;
    PReLUSlopeDiffKernel<<<slopes, kReduceThreads>>>(per_slope, inner, channels,
                                                     channel_shared_, x, dy, blobs_[0]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
  if (propagate_down[0]) {
    PReLUBottomDiffKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, inner, channels, channel_shared_, x,
                                                               blobs_[0]->gpu_data(), dy,
                                                               bottom[0]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
