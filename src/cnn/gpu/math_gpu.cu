#include "cnn/gpu/math_gpu.hpp"

#include <curand_kernel.h>

#include "cnn/core/context.hpp"
#include "cnn/gpu/cublas_api.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {

// cuBLAS is column-major. A row-major M x N matrix is the column-major
// N x M matrix of its transpose, so C = op(A) op(B) in row-major terms is
// C^T = op(B)^T op(A)^T in cuBLAS's: swap the operands and the sizes.
void gpu_gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, const float* B,
              float beta, float* C) {
  const int lda = trans_a ? M : K;
  const int ldb = trans_b ? K : N;
  CNN_CUBLAS_CHECK(gpu::CublasLib().Sgemm(gpu::Cublas(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                          trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, A, lda,
                                          &beta, C, N));
}

// Row-major A (M x N) is column-major A^T (N x M): y = A x is y = (A^T)^T x.
void gpu_gemv(bool trans_a, int M, int N, float alpha, const float* A, const float* x, float beta, float* y) {
  CNN_CUBLAS_CHECK(gpu::CublasLib().Sgemv(gpu::Cublas(), trans_a ? CUBLAS_OP_N : CUBLAS_OP_T, N, M, &alpha, A, N,
                                          x, 1, &beta, y, 1));
}

void gpu_axpy(int n, float alpha, const float* x, float* y) {
  CNN_CUBLAS_CHECK(gpu::CublasLib().Saxpy(gpu::Cublas(), n, &alpha, x, 1, y, 1));
}

void gpu_scal(int n, float alpha, float* x) {
  CNN_CUBLAS_CHECK(gpu::CublasLib().Sscal(gpu::Cublas(), n, &alpha, x, 1));
}

float gpu_dot(int n, const float* x, const float* y) {
  float result = 0.f;
  CNN_CUBLAS_CHECK(gpu::CublasLib().Sdot(gpu::Cublas(), n, x, 1, y, 1, &result));
  return result;
}

float gpu_asum(int n, const float* x) {
  float result = 0.f;
  CNN_CUBLAS_CHECK(gpu::CublasLib().Sasum(gpu::Cublas(), n, x, 1, &result));
  return result;
}

void gpu_copy(int n, const float* x, float* y) {
  if (x == y || n == 0) return;
  CNN_CUDA_CHECK(cudaMemcpyAsync(y, x, sizeof(float) * n, cudaMemcpyDeviceToDevice, 0));
}

namespace {

__global__ void SetKernel(long long n, float value, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = value;
}

__global__ void AxpbyKernel(long long n, float alpha, const float* x, float beta, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = alpha * x[i] + beta * y[i];
}

// y[i] = op(a[i], b[i]) for the binary elementwise functions.
template <typename Op>
__global__ void BinaryKernel(long long n, const float* a, const float* b, float* y, Op op) {
  CNN_KERNEL_LOOP(i, n) y[i] = op(a[i], b[i]);
}

template <typename Op>
__global__ void UnaryKernel(long long n, const float* a, float* y, Op op) {
  CNN_KERNEL_LOOP(i, n) y[i] = op(a[i]);
}

template <typename Op>
void Binary(int n, const float* a, const float* b, float* y, Op op) {
  if (n <= 0) return;
  BinaryKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, a, b, y, op);
  CNN_KERNEL_CHECK();
}

template <typename Op>
void Unary(int n, const float* a, float* y, Op op) {
  if (n <= 0) return;
  UnaryKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, a, y, op);
  CNN_KERNEL_CHECK();
}

struct AddOp { __device__ float operator()(float a, float b) const { return a + b; } };
struct SubOp { __device__ float operator()(float a, float b) const { return a - b; } };
struct MulOp { __device__ float operator()(float a, float b) const { return a * b; } };
struct DivOp { __device__ float operator()(float a, float b) const { return a / b; } };
struct AddScalarOp {
  float alpha;
  __device__ float operator()(float a) const { return a + alpha; }
};
struct PowOp {
  float power;
  __device__ float operator()(float a) const { return powf(a, power); }
};
struct SqrOp { __device__ float operator()(float a) const { return a * a; } };
struct ExpOp { __device__ float operator()(float a) const { return expf(a); } };
struct LogOp { __device__ float operator()(float a) const { return logf(a); } };
struct AbsOp { __device__ float operator()(float a) const { return fabsf(a); } };
struct SignOp { __device__ float operator()(float a) const { return static_cast<float>((a > 0.f) - (a < 0.f)); } };

}  // namespace

void gpu_set(int n, float value, float* y) {
  if (n <= 0) return;
  if (value == 0.f) {
    CNN_CUDA_CHECK(cudaMemsetAsync(y, 0, sizeof(float) * n, 0));
    return;
  }
  SetKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, value, y);
  CNN_KERNEL_CHECK();
}

void gpu_axpby(int n, float alpha, const float* x, float beta, float* y) {
  if (n <= 0) return;
  AxpbyKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, alpha, x, beta, y);
  CNN_KERNEL_CHECK();
}

void gpu_add(int n, const float* a, const float* b, float* y) { Binary(n, a, b, y, AddOp()); }
void gpu_sub(int n, const float* a, const float* b, float* y) { Binary(n, a, b, y, SubOp()); }
void gpu_mul(int n, const float* a, const float* b, float* y) { Binary(n, a, b, y, MulOp()); }
void gpu_div(int n, const float* a, const float* b, float* y) { Binary(n, a, b, y, DivOp()); }
void gpu_add_scalar(int n, float alpha, float* y) { Unary(n, y, y, AddScalarOp{alpha}); }
void gpu_powx(int n, const float* a, float power, float* y) { Unary(n, a, y, PowOp{power}); }
void gpu_sqr(int n, const float* a, float* y) { Unary(n, a, y, SqrOp()); }
void gpu_exp(int n, const float* a, float* y) { Unary(n, a, y, ExpOp()); }
void gpu_log(int n, const float* a, float* y) { Unary(n, a, y, LogOp()); }
void gpu_abs(int n, const float* a, float* y) { Unary(n, a, y, AbsOp()); }
void gpu_sign(int n, const float* a, float* y) { Unary(n, a, y, SignOp()); }

// ---- Random fills ----------------------------------------------------------
// Thread q produces elements 4q..4q+3 from Philox subsequence q. Every fill
// draws one 4-number block per subsequence at a fresh counter offset, so no
// two fills (or elements) share random numbers.
namespace {

struct Philox {
  unsigned long long seed;
  unsigned long long offset;
};

template <typename Transform, typename T>
__global__ void RandomKernel(long long n, Philox key, Transform transform, T* y) {
  CNN_KERNEL_LOOP(q, (n + 3) / 4) {
    curandStatePhilox4_32_10_t state;
    curand_init(key.seed, q, key.offset, &state);
    const float4 r = transform.draw(&state);
    const float v[4] = {r.x, r.y, r.z, r.w};
    for (int k = 0; k < 4 && 4 * q + k < n; ++k) y[4 * q + k] = transform(v[k]);
  }
}

// curand_uniform4 gives (0, 1]; 1 - r is [0, 1), the CPU generator's range.
struct UniformT {
  float lo, hi;
  __device__ float4 draw(curandStatePhilox4_32_10_t* s) const { return curand_uniform4(s); }
  __device__ float operator()(float r) const { return lo + (hi - lo) * (1.f - r); }
};
struct GaussianT {
  float mean, stddev;
  __device__ float4 draw(curandStatePhilox4_32_10_t* s) const { return curand_normal4(s); }
  __device__ float operator()(float z) const { return mean + stddev * z; }
};
struct BernoulliT {
  float p;
  __device__ float4 draw(curandStatePhilox4_32_10_t* s) const { return curand_uniform4(s); }
  __device__ unsigned operator()(float r) const { return (1.f - r) < p ? 1u : 0u; }
};

template <typename Transform, typename T>
void Random(int n, Transform transform, T* y) {
  if (n <= 0) return;
  // Each subsequence advances by one 4-number block per fill.
  const Philox key{Context::gpu_rng_seed(), Context::take_gpu_rng_offset(4)};
  RandomKernel<<<gpu::Blocks((n + 3) / 4), gpu::kThreads>>>(n, key, transform, y);
  CNN_KERNEL_CHECK();
}

}  // namespace

void gpu_rng_uniform(int n, float lo, float hi, float* y) { Random(n, UniformT{lo, hi}, y); }
void gpu_rng_gaussian(int n, float mean, float stddev, float* y) { Random(n, GaussianT{mean, stddev}, y); }
void gpu_rng_bernoulli(int n, float p, unsigned* y) { Random(n, BernoulliT{p}, y); }

}  // namespace cnn
