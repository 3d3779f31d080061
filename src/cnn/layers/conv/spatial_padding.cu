#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/conv/spatial_padding.hpp"

namespace cnn {
namespace {

// Both gather (one thread per output element), so neither needs atomics and
// each thread computes exactly what the CPU loop computes for its element.
__global__ void PadKernel(long long n, PadGeometry g, const float* __restrict__ x, float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) {
    const long long s = PadSourceOffset(g, i);
    y[i] = s < 0 ? 0.f : x[s];
  }
}

__global__ void PadAdjointKernel(long long n, PadGeometry g, const float* __restrict__ dy, float* __restrict__ dx) {
  CNN_KERNEL_LOOP(j, n) { dx[j] = PadAdjointAt(g, dy, j); }
}

__global__ void ToSourceIndicesKernel(long long n, PadGeometry plane, float* index) {
  CNN_KERNEL_LOOP(i, n) { index[i] = static_cast<float>(PadSourceOffset(plane, static_cast<long long>(index[i]))); }
}

}  // namespace

void PadGpu(const PadGeometry& g, const float* x, float* y) {
  const long long n = PaddedCount(g);
  if (n == 0) return;
  PadKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, x, y);
  CNN_KERNEL_CHECK();
}

void PadAdjointGpu(const PadGeometry& g, const float* dy, float* dx) {
  const long long n = SourceCount(g);
  if (n == 0) return;
  PadAdjointKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, dy, dx);
  CNN_KERNEL_CHECK();
}

void ToSourceIndicesGpu(const PadGeometry& plane, float* index, long long n) {
  ToSourceIndicesKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, plane, index);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
