// Deterministic sums for the loss and metric layers' GPU paths. A sum over
// n values runs in two steps: a kernel of at most kMaxPartialBlocks blocks
// leaves one partial per block, then a one-block kernel adds the partials.
// Which thread adds which value depends only on n, so a run repeats bit for
// bit (float atomics would not). Accumulation is in double, as the CPU
// code's is. Include from .cu files only.
#pragma once

#include <algorithm>

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace gpu_reduce {

constexpr int kMaxPartialBlocks = 512;

// Blocks for the first step over n values (kThreads threads each).
inline int PartialBlocks(long long n) {
  return std::min(gpu::Blocks(static_cast<size_t>(n < 0 ? 0 : n)), kMaxPartialBlocks);
}

// The sum of v over the block, returned to every thread. `shared` holds
// gpu::kThreads doubles; blockDim.x must be gpu::kThreads (a power of two).
// Every thread of the block must call it.
__device__ inline double BlockSum(double v, double* shared) {
  const int t = threadIdx.x;
  __syncthreads();  // a previous call's readers of shared[0] are done
  shared[t] = v;
  __syncthreads();
  for (int stride = gpu::kThreads / 2; stride > 0; stride >>= 1) {
    if (t < stride) shared[t] += shared[t + stride];
    __syncthreads();
  }
  return shared[0];
}

// Adds the first `blocks` partials (one-block kernels only).
__device__ inline double SumPartials(const double* partials, int blocks, double* shared) {
  double v = 0.0;
  for (int b = threadIdx.x; b < blocks; b += blockDim.x) v += partials[b];
  return BlockSum(v, shared);
}

}  // namespace gpu_reduce
}  // namespace cnn
