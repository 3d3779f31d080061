#include "cnn/layers/math/softmax_layer.hpp"

#include <cmath>

#include "cnn/gpu/cuda_check.hpp"

// The input is outer x channels x inner; each of the outer * inner positions
// is one distribution over the channels, `inner` apart in memory. Two
// kernels cover the shapes that occur:
//  - one thread per position when inner > 1 (spatial softmax): neighbouring
//    threads read neighbouring addresses, and there are many positions;
//  - one warp per position when inner == 1 (classifier scores): the channels
//    are contiguous, so the warp's lanes read them together, and a batch of
//    a few hundred rows would leave most of the GPU idle with one thread each.
// Every thread (lane) writes only the elements it read, so top == bottom
// (in place) is safe in both.
namespace cnn {
namespace {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ inline float WarpMax(float v) {
  for (int offset = kWarp / 2; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

__device__ inline float WarpSum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

// Offset of channel 0 of position p.
__device__ inline long long Base(long long p, int channels, int inner) {
  const long long o = p / inner, j = p % inner;
  return o * channels * inner + j;
}

__global__ void ForwardPerThread(long long positions, int channels, int inner, const float* x, float* y) {
  CNN_KERNEL_LOOP(p, positions) {
    const long long base = Base(p, channels, inner);
    // Subtracting the max keeps expf from overflowing; the result is unchanged.
    float m = x[base];
    for (int c = 1; c < channels; ++c) m = fmaxf(m, x[base + static_cast<long long>(c) * inner]);
    float sum = 0.f;
    for (int c = 0; c < channels; ++c) {
      const long long i = base + static_cast<long long>(c) * inner;
      const float e = expf(x[i] - m);
      y[i] = e;
      sum += e;
    }
    for (int c = 0; c < channels; ++c) y[base + static_cast<long long>(c) * inner] /= sum;
  }
}

// inner == 1: position p's channels are x[p * channels, (p + 1) * channels).
__global__ void ForwardPerWarp(long long positions, int channels, const float* x, float* y) {
  const int lane = threadIdx.x % kWarp;
  const long long first = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x / kWarp;
  // The loop bound depends on the warp only, so all lanes run every
  // iteration together, as the shuffles require.
  for (long long p = first; p < positions; p += step) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    float m = -INFINITY;
    for (int c = lane; c < channels; c += kWarp) m = fmaxf(m, xp[c]);
    m = WarpMax(m);
    float sum = 0.f;
    for (int c = lane; c < channels; c += kWarp) {
      const float e = expf(xp[c] - m);
      yp[c] = e;
      sum += e;
    }
    sum = WarpSum(sum);
    for (int c = lane; c < channels; c += kWarp) yp[c] /= sum;
  }
}

// dx_c = y_c * (dy_c - sum_c' dy_c' y_c'): every dy is read before any dx of
// the position is written, which in place overwrites dy.
__global__ void BackwardPerThread(long long positions, int channels, int inner, const float* y, const float* dy,
                                  float* dx) {
  CNN_KERNEL_LOOP(p, positions) {
    const long long base = Base(p, channels, inner);
    float dot = 0.f;
    for (int c = 0; c < channels; ++c) {
      const long long i = base + static_cast<long long>(c) * inner;
      dot += dy[i] * y[i];
    }
    for (int c = 0; c < channels; ++c) {
      const long long i = base + static_cast<long long>(c) * inner;
      dx[i] = y[i] * (dy[i] - dot);
    }
  }
}

__global__ void BackwardPerWarp(long long positions, int channels, const float* y, const float* dy, float* dx) {
  const int lane = threadIdx.x % kWarp;
  const long long first = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x / kWarp;
  for (long long p = first; p < positions; p += step) {
    const long long base = p * channels;
    float dot = 0.f;
    for (int c = lane; c < channels; c += kWarp) dot += dy[base + c] * y[base + c];
    // Each lane rewrites only its own channels, whose dy it has already read.
    dot = WarpSum(dot);
    for (int c = lane; c < channels; c += kWarp) dx[base + c] = y[base + c] * (dy[base + c] - dot);
  }
}

int WarpBlocks(long long positions) { return gpu::Blocks(static_cast<size_t>(positions) * kWarp); }

}  // namespace

void SoftmaxLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (bottom[0]->count() == 0) return;
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  if (inner_num_ == 1) {
    ForwardPerWarp<<<WarpBlocks(positions), gpu::kThreads>>>(positions, channels_, x, y);
  } else {
    ForwardPerThread<<<gpu::Blocks(positions), gpu::kThreads>>>(positions, channels_, inner_num_, x, y);
  }
  CNN_KERNEL_CHECK();
}

void SoftmaxLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0] || top[0]->count() == 0) return;
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const float* y = top[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  if (inner_num_ == 1) {
    BackwardPerWarp<<<WarpBlocks(positions), gpu::kThreads>>>(positions, channels_, y, dy, dx);
  } else {
    BackwardPerThread<<<gpu::Blocks(positions), gpu::kThreads>>>(positions, channels_, inner_num_, y, dy, dx);
  }
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
