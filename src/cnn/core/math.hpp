// CPU math on float arrays: BLAS wrappers (row-major) and the elementwise
// helpers layers share. GPU twins arrive with the CUDA backend.
#pragma once

namespace cnn {

// C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is M x K, op(B) K x N.
void cpu_gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, const float* B,
              float beta, float* C);
// y = alpha * op(A) * x + beta * y; A is M x N row-major.
void cpu_gemv(bool trans_a, int M, int N, float alpha, const float* A, const float* x, float beta, float* y);
void cpu_axpy(int n, float alpha, const float* x, float* y);            // y += alpha x
void cpu_axpby(int n, float alpha, const float* x, float beta, float* y);  // y = alpha x + beta y
void cpu_scal(int n, float alpha, float* x);
float cpu_dot(int n, const float* x, const float* y);
float cpu_asum(int n, const float* x);
void cpu_copy(int n, const float* x, float* y);
void cpu_set(int n, float value, float* y);

void cpu_add(int n, const float* a, const float* b, float* y);  // y = a + b
void cpu_sub(int n, const float* a, const float* b, float* y);
void cpu_mul(int n, const float* a, const float* b, float* y);
void cpu_div(int n, const float* a, const float* b, float* y);
void cpu_add_scalar(int n, float alpha, float* y);
void cpu_powx(int n, const float* a, float power, float* y);
void cpu_sqr(int n, const float* a, float* y);
void cpu_exp(int n, const float* a, float* y);
void cpu_abs(int n, const float* a, float* y);

// Random fills from the calling thread's Context::rng().
void rng_uniform(int n, float lo, float hi, float* y);
void rng_gaussian(int n, float mean, float stddev, float* y);
void rng_bernoulli(int n, float p, unsigned* y);

}  // namespace cnn
