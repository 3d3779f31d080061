// GPU math against its CPU twin on the same inputs (skipped without a GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/math.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/math_gpu.hpp"
#endif

namespace cnn {
namespace {

#ifdef CNN_WITH_CUDA

// Relative tolerance for results whose summation order differs between
// OpenBLAS and cuBLAS.
constexpr float kTol = 1e-4f;

std::vector<float> Random(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// A blob holding `values`, so the synced memory moves them to the device.
std::unique_ptr<Blob> BlobOf(const std::vector<float>& values) {
  auto b = std::make_unique<Blob>(std::vector<int>{static_cast<int>(values.size())});
  std::copy(values.begin(), values.end(), b->mutable_cpu_data());
  return b;
}

void ExpectClose(const std::vector<float>& cpu, const Blob& gpu, float tol = kTol) {
  ASSERT_EQ(static_cast<int>(cpu.size()), gpu.count());
  const float* g = gpu.cpu_data();
  for (size_t i = 0; i < cpu.size(); ++i)
    ASSERT_NEAR(cpu[i], g[i], tol * std::max(1.f, std::fabs(cpu[i]))) << "element " << i;
}

TEST(MathGpu, GemmAllTransposesMatchCpu) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int M = 37, N = 53, K = 29;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      auto a = Random(M * K, 1), b = Random(K * N, 2), c = Random(M * N, 3);
      auto ga = BlobOf(a), gb = BlobOf(b), gc = BlobOf(c);
      cpu_gemm(ta, tb, M, N, K, 0.7f, a.data(), b.data(), 0.3f, c.data());
      gpu_gemm(ta, tb, M, N, K, 0.7f, ga->gpu_data(), gb->gpu_data(), 0.3f, gc->mutable_gpu_data());
      SCOPED_TRACE(testing::Message() << "trans_a " << ta << " trans_b " << tb);
      ExpectClose(c, *gc);
    }
  }
}

TEST(MathGpu, GemvBothWaysMatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int M = 41, N = 23;
  for (bool ta : {false, true}) {
    auto a = Random(M * N, 4), x = Random(ta ? M : N, 5), y = Random(ta ? N : M, 6);
    auto ga = BlobOf(a), gx = BlobOf(x), gy = BlobOf(y);
    cpu_gemv(ta, M, N, 1.5f, a.data(), x.data(), -0.5f, y.data());
    gpu_gemv(ta, M, N, 1.5f, ga->gpu_data(), gx->gpu_data(), -0.5f, gy->mutable_gpu_data());
    ExpectClose(y, *gy);
  }
}

TEST(MathGpu, Level1MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int n = 1031;
  auto x = Random(n, 7), y = Random(n, 8);
  auto gx = BlobOf(x), gy = BlobOf(y);
  EXPECT_NEAR(cpu_dot(n, x.data(), y.data()), gpu_dot(n, gx->gpu_data(), gy->gpu_data()), 1e-3f);
  EXPECT_NEAR(cpu_asum(n, x.data()), gpu_asum(n, gx->gpu_data()), 1e-3f);

  auto y1 = y;
  cpu_axpy(n, 0.25f, x.data(), y1.data());
  gpu_axpy(n, 0.25f, gx->gpu_data(), gy->mutable_gpu_data());
  ExpectClose(y1, *gy);

  cpu_axpby(n, 2.f, x.data(), -1.f, y1.data());
  gpu_axpby(n, 2.f, gx->gpu_data(), -1.f, gy->mutable_gpu_data());
  ExpectClose(y1, *gy, 1e-6f);  // nvcc may fuse the multiply-add: last-bit differences only
}

TEST(MathGpu, ElementwiseMatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int n = 777;
  auto a = Random(n, 9), b = Random(n, 10);
  for (auto& v : b) v = std::fabs(v) + 0.5f;  // safe divisor and log/pow base
  auto ga = BlobOf(a), gb = BlobOf(b);
  std::vector<float> y(n);
  Blob gy({n});

  cpu_add(n, a.data(), b.data(), y.data());
  gpu_add(n, ga->gpu_data(), gb->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 0.f);
  cpu_sub(n, a.data(), b.data(), y.data());
  gpu_sub(n, ga->gpu_data(), gb->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 0.f);
  cpu_mul(n, a.data(), b.data(), y.data());
  gpu_mul(n, ga->gpu_data(), gb->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 0.f);
  cpu_div(n, a.data(), b.data(), y.data());
  gpu_div(n, ga->gpu_data(), gb->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 1e-6f);
  cpu_powx(n, b.data(), 0.75f, y.data());
  gpu_powx(n, gb->gpu_data(), 0.75f, gy.mutable_gpu_data());
  ExpectClose(y, gy, 1e-5f);
  cpu_exp(n, a.data(), y.data());
  gpu_exp(n, ga->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 1e-5f);
  cpu_abs(n, a.data(), y.data());
  gpu_abs(n, ga->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 0.f);
  cpu_sqr(n, a.data(), y.data());
  gpu_sqr(n, ga->gpu_data(), gy.mutable_gpu_data());
  ExpectClose(y, gy, 0.f);

  gpu_sign(n, ga->gpu_data(), gy.mutable_gpu_data());
  for (int i = 0; i < n; ++i) ASSERT_EQ(gy.cpu_data()[i], a[i] > 0 ? 1.f : (a[i] < 0 ? -1.f : 0.f));
  gpu_log(n, gb->gpu_data(), gy.mutable_gpu_data());
  for (int i = 0; i < n; ++i) ASSERT_NEAR(gy.cpu_data()[i], std::log(b[i]), 1e-5f);
  gpu_set(n, 3.5f, gy.mutable_gpu_data());
  gpu_add_scalar(n, -1.f, gy.mutable_gpu_data());
  for (int i = 0; i < n; ++i) ASSERT_EQ(gy.cpu_data()[i], 2.5f);
  gpu_copy(n, ga->gpu_data(), gy.mutable_gpu_data());
  gpu_scal(n, -2.f, gy.mutable_gpu_data());
  for (int i = 0; i < n; ++i) ASSERT_EQ(gy.cpu_data()[i], -2.f * a[i]);
}

TEST(MathGpu, RandomFillsHaveTheirDistributionsAndRepeat) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int n = 200003;  // not a multiple of 4: the last partial block is written too
  Blob u({n}), g({n}), again({n});
  Context::set_random_seed(42);
  gpu_rng_uniform(n, -2.f, 3.f, u.mutable_gpu_data());
  gpu_rng_gaussian(n, 1.f, 2.f, g.mutable_gpu_data());
  double sum = 0, sumsq = 0;
  for (int i = 0; i < n; ++i) {
    const float v = u.cpu_data()[i];
    ASSERT_GE(v, -2.f);
    ASSERT_LT(v, 3.f);
    sum += v;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.02);  // mean of U(-2, 3); std error ~0.003
  sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += g.cpu_data()[i];
    sumsq += g.cpu_data()[i] * g.cpu_data()[i];
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 1.0, 0.03);
  EXPECT_NEAR(std::sqrt(sumsq / n - mean * mean), 2.0, 0.03);

  // Reseeding repeats the stream; the next fill draws new numbers.
  Context::set_random_seed(42);
  gpu_rng_uniform(n, -2.f, 3.f, again.mutable_gpu_data());
  EXPECT_EQ(test::DataOf(u), test::DataOf(again));
  gpu_rng_uniform(n, -2.f, 3.f, again.mutable_gpu_data());
  EXPECT_NE(test::DataOf(u), test::DataOf(again));
}

TEST(MathGpu, BernoulliKeepsTheAskedFraction) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const int n = 100001;
  SyncedMemory mask(n * sizeof(unsigned));
  gpu_rng_bernoulli(n, 0.3f, static_cast<unsigned*>(mask.mutable_gpu_data()));
  const unsigned* m = static_cast<const unsigned*>(mask.cpu_data());
  long ones = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_LE(m[i], 1u);
    ones += m[i];
  }
  EXPECT_NEAR(static_cast<double>(ones) / n, 0.3, 0.01);  // std error ~0.0015
}

#else

TEST(MathGpu, NotBuilt) { GTEST_SKIP() << "CPU-only build"; }

#endif

}  // namespace
}  // namespace cnn
