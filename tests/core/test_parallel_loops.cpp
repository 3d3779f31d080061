// The element-wise and per-channel loops of the memory-bound layers run as
// OpenMP regions on big inputs. Their results must not depend on the thread
// count (a run repeats exactly whatever OMP_NUM_THREADS says): each sum is
// taken by one thread, element-wise maps have no order at all.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/parallel.hpp"
#include "support/test_support.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {
namespace {

struct Outputs {
  std::vector<float> top, bottom_diff;
  std::vector<std::vector<float>> param_diffs;
};

// One forward and backward pass of a freshly built layer with `threads`
// OpenMP threads, from inputs drawn with fixed seeds.
Outputs RunWithThreads(const std::string& layer_text, const std::vector<int>& shape, int threads, bool in_place) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  Context::set_random_seed(1701);
  auto layer = LayerRegistry::Create(test::ParseLayer(layer_text));
  Blob bottom(shape), top;
  test::FillGaussian(&bottom);
  Blob* top_ptr = in_place ? &bottom : &top;
  layer->SetUp({&bottom}, {top_ptr});
  for (auto& b : layer->blobs()) test::FillUniform(b.get(), 0.5f, 1.5f);
  layer->Forward({&bottom}, {top_ptr});
  Outputs out;
  out.top = test::DataOf(*top_ptr);
  Blob dy(shape);
  test::FillGaussian(&dy);
  std::copy(dy.cpu_data(), dy.cpu_data() + dy.count(), top_ptr->mutable_cpu_diff());
  layer->Backward({top_ptr}, std::vector<bool>{true}, {&bottom});
  out.bottom_diff = test::DiffOf(bottom);
  for (auto& b : layer->blobs()) out.param_diffs.push_back(test::DiffOf(*b));
  return out;
}

class ThreadCountInvariance : public ::testing::TestWithParam<const char*> {};

TEST_P(ThreadCountInvariance, OneAndTwoThreadsGiveTheSameBits) {
#ifndef _OPENMP
  GTEST_SKIP() << "built without OpenMP";
#else
  // 8 x 16 x 24 x 24 = 73,728 values: above the size that opens a region.
  const std::vector<int> shape = {8, 16, 24, 24};
  omp_set_num_threads(2);
  ASSERT_TRUE(ParallelLoopPays(8 * 16 * 24 * 24))
      << "the loops would not run in parallel here (OpenBLAS multi-threaded with an active wait policy)";
  const std::string text = GetParam();
  const bool in_place = text.find("ReLU") != std::string::npos;
  const Outputs one = RunWithThreads(text, shape, 1, in_place);
  const Outputs two = RunWithThreads(text, shape, 2, in_place);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(one.top, two.top);
  EXPECT_EQ(one.bottom_diff, two.bottom_diff);
  EXPECT_EQ(one.param_diffs, two.param_diffs);
#endif
}

INSTANTIATE_TEST_SUITE_P(
    MemoryBoundLayers, ThreadCountInvariance,
    ::testing::Values("name: 'r' type: 'ReLU' relu_param { negative_slope: 0.1 }",
                      "name: 'bn' type: 'BatchNorm' phase: TRAIN",
                      "name: 'bn' type: 'BatchNorm' phase: TEST",
                      "name: 's' type: 'Scale' scale_param { bias_term: true }",
                      "name: 'b' type: 'Bias'"));

}  // namespace
}  // namespace cnn
