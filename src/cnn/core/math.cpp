#include "cnn/core/math.hpp"

#include <cblas.h>

#include <cmath>
#include <cstring>
#include <random>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"

namespace cnn {

void cpu_gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, const float* B,
              float beta, float* C) {
  const int lda = trans_a ? M : K;
  const int ldb = trans_b ? K : N;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
              alpha, A, lda, B, ldb, beta, C, N);
}

void cpu_gemv(bool trans_a, int M, int N, float alpha, const float* A, const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, M, N, alpha, A, N, x, 1, beta, y, 1);
}

void cpu_axpy(int n, float alpha, const float* x, float* y) { cblas_saxpy(n, alpha, x, 1, y, 1); }

void cpu_axpby(int n, float alpha, const float* x, float beta, float* y) {
  for (int i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
}

void cpu_scal(int n, float alpha, float* x) { cblas_sscal(n, alpha, x, 1); }

float cpu_dot(int n, const float* x, const float* y) { return cblas_sdot(n, x, 1, y, 1); }

float cpu_asum(int n, const float* x) { return cblas_sasum(n, x, 1); }

void cpu_copy(int n, const float* x, float* y) {
  if (x != y) std::memcpy(y, x, sizeof(float) * n);
}

void cpu_set(int n, float value, float* y) {
  if (value == 0.f) {
    std::memset(y, 0, sizeof(float) * n);
    return;
  }
  for (int i = 0; i < n; ++i) y[i] = value;
}

void cpu_add(int n, const float* a, const float* b, float* y) { for (int i = 0; i < n; ++i) y[i] = a[i] + b[i]; }
void cpu_sub(int n, const float* a, const float* b, float* y) { for (int i = 0; i < n; ++i) y[i] = a[i] - b[i]; }
void cpu_mul(int n, const float* a, const float* b, float* y) { for (int i = 0; i < n; ++i) y[i] = a[i] * b[i]; }
void cpu_div(int n, const float* a, const float* b, float* y) { for (int i = 0; i < n; ++i) y[i] = a[i] / b[i]; }
void cpu_add_scalar(int n, float alpha, float* y) { for (int i = 0; i < n; ++i) y[i] += alpha; }
void cpu_powx(int n, const float* a, float power, float* y) {
  for (int i = 0; i < n; ++i) y[i] = std::pow(a[i], power);
}
void cpu_sqr(int n, const float* a, float* y) { for (int i = 0; i < n; ++i) y[i] = a[i] * a[i]; }
void cpu_exp(int n, const float* a, float* y) { for (int i = 0; i < n; ++i) y[i] = std::exp(a[i]); }
void cpu_abs(int n, const float* a, float* y) { for (int i = 0; i < n; ++i) y[i] = std::fabs(a[i]); }

void rng_uniform(int n, float lo, float hi, float* y) {
  CNN_CHECK(lo <= hi, "uniform range [" << lo << ", " << hi << "] is empty");
  std::uniform_real_distribution<float> dist(lo, hi);
  auto& g = Context::rng();
  for (int i = 0; i < n; ++i) y[i] = dist(g);
}

void rng_gaussian(int n, float mean, float stddev, float* y) {
  CNN_CHECK(stddev > 0, "gaussian std " << stddev << " must be positive");
  std::normal_distribution<float> dist(mean, stddev);
  auto& g = Context::rng();
  for (int i = 0; i < n; ++i) y[i] = dist(g);
}

void rng_bernoulli(int n, float p, unsigned* y) {
  CNN_CHECK(p >= 0 && p <= 1, "bernoulli probability " << p << " outside [0, 1]");
  std::bernoulli_distribution dist(p);
  auto& g = Context::rng();
  for (int i = 0; i < n; ++i) y[i] = dist(g) ? 1u : 0u;
}

}  // namespace cnn
