// Block-wide statistics of one contiguous run of values, for the kernels of
// the normalisation layers that give each run its own block (MVN, LayerNorm,
// InstanceNorm, GroupNorm). Sums are in double and in a fixed order, as in
// gpu_reduce.cuh, so results repeat bit for bit and match the CPU's double
// sums to float rounding. Every thread of the block must call these;
// blockDim.x must be gpu::kThreads. Include from .cu files only.
#pragma once

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

namespace cnn {
namespace norm {

// The mean (rounded to float, as the CPU keeps it) and the biased variance
// around that mean of x[0..n), two passes.
__device__ inline void BlockMoments(const float* x, long long n, double* shared, float* mean, double* var) {
  double s = 0;
  for (long long i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
  s = gpu_reduce::BlockSum(s, shared);
  const float m = n > 0 ? static_cast<float>(s / n) : 0.f;
  double ss = 0;
  for (long long i = threadIdx.x; i < n; i += blockDim.x) {
    const double d = static_cast<double>(x[i]) - m;
    ss += d * d;
  }
  ss = gpu_reduce::BlockSum(ss, shared);
  *mean = m;
  *var = n > 0 ? ss / n : 0.0;
}

// The means of g and of g * h over [0..n) (h may be null: its mean is 0).
__device__ inline void BlockGradMeans(const float* g, const float* h, long long n, double* shared, float* mean_g,
                                      float* mean_gh) {
  double s = 0, sh = 0;
  for (long long i = threadIdx.x; i < n; i += blockDim.x) {
    s += g[i];
    if (h) sh += static_cast<double>(g[i]) * h[i];
  }
  s = gpu_reduce::BlockSum(s, shared);
  sh = gpu_reduce::BlockSum(sh, shared);
  *mean_g = n > 0 ? static_cast<float>(s / n) : 0.f;
  *mean_gh = n > 0 ? static_cast<float>(sh / n) : 0.f;
}

}  // namespace norm
}  // namespace cnn
