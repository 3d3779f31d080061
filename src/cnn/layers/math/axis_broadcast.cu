#include "cnn/layers/math/axis_broadcast.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

namespace cnn {
namespace {

// x and y may be the same array: element for element.
__global__ void ScaleKernel(long long n, int dim, int inner, const float* x, const float* __restrict__ scale,
                            const float* __restrict__ bias, float* y) {
  CNN_KERNEL_LOOP(i, n) {
    const int d = static_cast<int>(i / inner % dim);
    y[i] = bias ? x[i] * scale[d] + bias[d] : x[i] * scale[d];
  }
}

__global__ void AddKernel(long long n, int dim, int inner, const float* x, const float* __restrict__ bias, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = x[i] + bias[i / inner % dim];
}

// One block per operand element: its outer x inner terms summed in double,
// as on the CPU.
__global__ void SumToOperandKernel(int outer, int dim, int inner, const float* __restrict__ a,
                                   const float* __restrict__ b, bool accumulate, float* __restrict__ out) {
  __shared__ double shared[gpu::kThreads];
  const int d = blockIdx.x;
  const long long count = static_cast<long long>(outer) * inner;
  double s = 0;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    const long long i = (j / inner * dim + d) * inner + j % inner;
    s += b ? static_cast<double>(a[i]) * b[i] : static_cast<double>(a[i]);
  }
  s = gpu_reduce::BlockSum(s, shared);
  if (threadIdx.x == 0) out[d] = static_cast<float>(accumulate ? out[d] + s : s);
}

}  // namespace

void gpu_broadcast_scale(const AxisBroadcast& v, const float* x, const float* scale, const float* bias, float* y) {
  const long long n = static_cast<long long>(v.outer) * v.dim * v.inner;
  if (n == 0) return;
  ScaleKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, v.dim, v.inner, x, scale, bias, y);
  CNN_KERNEL_CHECK();
}

void gpu_broadcast_add(const AxisBroadcast& v, const float* x, const float* bias, float* y) {
  const long long n = static_cast<long long>(v.outer) * v.dim * v.inner;
  if (n == 0) return;
  AddKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, v.dim, v.inner, x, bias, y);
  CNN_KERNEL_CHECK();
}

void gpu_sum_to_operand(const AxisBroadcast& v, const float* a, const float* b, bool accumulate, float* out) {
  if (v.dim == 0) return;
  SumToOperandKernel<<<v.dim, gpu::kThreads>>>(v.outer, v.dim, v.inner, a, b, accumulate, out);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
