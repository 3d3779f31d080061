// One thread count for OpenBLAS and OpenMP (SetThreadCount): the flag wins,
// then OMP_NUM_THREADS, then OPENBLAS_NUM_THREADS, then the cores; both pools report the count applied,
// and a net's results repeat to the bit at a given count.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cblas.h>
#include <sched.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {
namespace {

// Restores the environment and both pools whatever a test did to them.
class ThreadPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("OMP_NUM_THREADS");
    had_env_ = env != nullptr;
    if (had_env_) env_ = env;
    const char* blas_env = std::getenv("OPENBLAS_NUM_THREADS");
    had_blas_env_ = blas_env != nullptr;
    if (had_blas_env_) blas_env_ = blas_env;
    blas_ = openblas_get_num_threads();
#ifdef _OPENMP
    omp_ = omp_get_max_threads();
#endif
  }
  void TearDown() override {
    if (had_env_) {
      setenv("OMP_NUM_THREADS", env_.c_str(), 1);
    } else {
      unsetenv("OMP_NUM_THREADS");
    }
    if (had_blas_env_) {
      setenv("OPENBLAS_NUM_THREADS", blas_env_.c_str(), 1);
    } else {
      unsetenv("OPENBLAS_NUM_THREADS");
    }
    openblas_set_num_threads(blas_);
#ifdef _OPENMP
    omp_set_num_threads(omp_);
#endif
  }
  bool had_env_ = false, had_blas_env_ = false;
  std::string env_, blas_env_;
  int blas_ = 1, omp_ = 1;
};

void ExpectPools(int n) {
  EXPECT_EQ(openblas_get_num_threads(), n);
#ifdef _OPENMP
  EXPECT_EQ(omp_get_max_threads(), n);
#endif
  EXPECT_EQ(ThreadCount(), n);
}

TEST_F(ThreadPolicy, TheFlagSetsBothPools) {
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(SetThreadCount(2), 2);
  ExpectPools(2);
  EXPECT_EQ(ThreadCountSource(), "--threads");
  EXPECT_EQ(SetThreadCount(1), 1);
  ExpectPools(1);
}

TEST_F(ThreadPolicy, WithoutTheFlagOmpNumThreadsDecides) {
  setenv("OMP_NUM_THREADS", "3,1", 1);  // nested levels: the outer one counts
  EXPECT_EQ(SetThreadCount(0), 3);
  ExpectPools(3);
  EXPECT_EQ(ThreadCountSource(), "OMP_NUM_THREADS");
}

TEST_F(ThreadPolicy, ThenOpenblasNumThreads) {
  unsetenv("OMP_NUM_THREADS");
  setenv("OPENBLAS_NUM_THREADS", "3", 1);
  EXPECT_EQ(SetThreadCount(0), 3);
  ExpectPools(3);
  EXPECT_EQ(ThreadCountSource(), "OPENBLAS_NUM_THREADS");
}

TEST_F(ThreadPolicy, WithNeitherTheCoresOfTheAffinityMaskDecide) {
  unsetenv("OMP_NUM_THREADS");
  unsetenv("OPENBLAS_NUM_THREADS");
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_EQ(SetThreadCount(0), CPU_COUNT(&set));
  ExpectPools(CPU_COUNT(&set));
  EXPECT_EQ(ThreadCountSource(), "cores");
}

TEST_F(ThreadPolicy, BadCountsAreRefusedByName) {
  setenv("OMP_NUM_THREADS", "many", 1);
  EXPECT_NE(test::ErrorOf([] { SetThreadCount(0); }).find("OMP_NUM_THREADS='many'"), std::string::npos);
  setenv("OMP_NUM_THREADS", "0", 1);
  EXPECT_NE(test::ErrorOf([] { SetThreadCount(0); }).find("OMP_NUM_THREADS='0'"), std::string::npos);
  EXPECT_NE(test::ErrorOf([] { SetThreadCount(-2); }).find("--threads"), std::string::npos);
}

// A small conv net big enough to open OpenMP regions and multi-threaded sgemm.
const char* kNet = R"(
  name: "threads"
  layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 8 dim: 3 dim: 32 dim: 32 } } }
  layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 32 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } } }
  layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
  layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
  layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
          inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
  force_backward: true
)";

std::vector<float> RunOnce() {
  Context::set_random_seed(77);
  NetParameter param;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kNet, &param));
  Net net(param);
  test::FillGaussian(net.input_blobs()[0]);
  net.Forward();
  Blob* out = net.output_blobs()[0];
  test::FillGaussian(out, 1.f, 0.f);
  std::copy(out->cpu_data(), out->cpu_data() + out->count(), out->mutable_cpu_diff());
  net.Backward();
  std::vector<float> all = test::DataOf(*net.blob_by_name("ip"));
  for (const Blob* p : net.learnable_params()) {
    const auto d = test::DiffOf(*p);
    all.insert(all.end(), d.begin(), d.end());
  }
  const auto dx = test::DiffOf(*net.input_blobs()[0]);
  all.insert(all.end(), dx.begin(), dx.end());
  return all;
}

TEST_F(ThreadPolicy, ResultsRepeatToTheBitAtOneCount) {
  SetThreadCount(2);
  const std::vector<float> first = RunOnce();
  const std::vector<float> second = RunOnce();
  ASSERT_EQ(first.size(), second.size());
  EXPECT_EQ(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace cnn
