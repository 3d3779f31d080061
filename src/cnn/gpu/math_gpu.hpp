// GPU math on float device arrays: the twins of core/math.hpp's cpu_*
// functions with the same argument order and row-major conventions, plus
// random fills drawn from the Philox generator of cuRAND's device API.
// Every call is queued on the default stream; functions that return a
// scalar (dot, asum) wait for it. CUDA builds only.
#pragma once

namespace cnn {

void gpu_gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, const float* B,
              float beta, float* C);
void gpu_gemv(bool trans_a, int M, int N, float alpha, const float* A, const float* x, float beta, float* y);
void gpu_axpy(int n, float alpha, const float* x, float* y);
void gpu_axpby(int n, float alpha, const float* x, float beta, float* y);
void gpu_scal(int n, float alpha, float* x);
float gpu_dot(int n, const float* x, const float* y);
float gpu_asum(int n, const float* x);
void gpu_copy(int n, const float* x, float* y);  // device to device; x == y is a no-op
void gpu_set(int n, float value, float* y);

void gpu_add(int n, const float* a, const float* b, float* y);
void gpu_sub(int n, const float* a, const float* b, float* y);
void gpu_mul(int n, const float* a, const float* b, float* y);
void gpu_div(int n, const float* a, const float* b, float* y);
void gpu_add_scalar(int n, float alpha, float* y);
void gpu_powx(int n, const float* a, float power, float* y);
void gpu_sqr(int n, const float* a, float* y);
void gpu_exp(int n, const float* a, float* y);
void gpu_log(int n, const float* a, float* y);
void gpu_abs(int n, const float* a, float* y);
void gpu_sign(int n, const float* a, float* y);

// Random fills. The stream of numbers depends only on the seed given to
// Context::set_random_seed and on how many fills came before, so GPU runs
// repeat exactly; they do not reproduce the CPU generator's numbers.
void gpu_rng_uniform(int n, float lo, float hi, float* y);
void gpu_rng_gaussian(int n, float mean, float stddev, float* y);
void gpu_rng_bernoulli(int n, float p, unsigned* y);  // y[i] = 1 with probability p

}  // namespace cnn
