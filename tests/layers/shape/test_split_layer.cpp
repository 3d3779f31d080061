#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make() { return LayerRegistry::Create(ParseLayer(R"(name: "split" type: "Split")")); }

TEST(SplitLayer, TopsShareBottomData) {
  auto layer = Make();
  Blob bottom({2, 3}), t0, t1, t2;
  FillValues(&bottom, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&bottom}, {&t0, &t1, &t2});
  layer->Forward({&bottom}, {&t0, &t1, &t2});
  for (Blob* t : {&t0, &t1, &t2}) {
    EXPECT_EQ(t->shape(), bottom.shape());
    EXPECT_EQ(t->cpu_data(), bottom.cpu_data());
    EXPECT_NE(t->cpu_diff(), bottom.cpu_diff());
  }
  // A change of the bottom's values is visible through every top without a Forward.
  bottom.mutable_cpu_data()[2] = -7.f;
  EXPECT_EQ(t2.cpu_data()[2], -7.f);
}

TEST(SplitLayer, FollowsBottomReshape) {
  auto layer = Make();
  Blob bottom({2, 3}), t0, t1;
  layer->SetUp({&bottom}, {&t0, &t1});
  bottom.Reshape({4, 5});
  FillValues(&bottom, std::vector<float>(20, 2.f));
  layer->Forward({&bottom}, {&t0, &t1});
  EXPECT_EQ(t1.shape(), (std::vector<int>{4, 5}));
  EXPECT_EQ(DataOf(t1), std::vector<float>(20, 2.f));
}

TEST(SplitLayer, BackwardSumsTopDiffs) {
  auto layer = Make();
  Blob bottom({3}), t0, t1, t2;
  layer->SetUp({&bottom}, {&t0, &t1, &t2});
  const float d0[] = {1, 2, 3}, d1[] = {10, 20, 30}, d2[] = {100, 200, 300};
  std::copy(d0, d0 + 3, t0.mutable_cpu_diff());
  std::copy(d1, d1 + 3, t1.mutable_cpu_diff());
  std::copy(d2, d2 + 3, t2.mutable_cpu_diff());
  // The bottom diff is overwritten, not accumulated into.
  std::fill(bottom.mutable_cpu_diff(), bottom.mutable_cpu_diff() + 3, 1000.f);
  layer->Backward({&t0, &t1, &t2}, {true}, {&bottom});
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 3),
            (std::vector<float>{111, 222, 333}));
}

TEST(SplitLayer, SingleTopCopiesDiff) {
  auto layer = Make();
  Blob bottom({2}), t0;
  layer->SetUp({&bottom}, {&t0});
  t0.mutable_cpu_diff()[0] = 4.f;
  t0.mutable_cpu_diff()[1] = -2.f;
  layer->Backward({&t0}, {true}, {&bottom});
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 2), (std::vector<float>{4, -2}));
}

TEST(SplitLayer, InPlaceThrows) {
  auto layer = Make();
  Blob bottom({2}), other;
  EXPECT_THROW(layer->SetUp({&bottom}, {&other, &bottom}), Error);
}

TEST(SplitLayer, Gradient) {
  auto layer = Make();
  Blob bottom({2, 3, 2}), t0, t1, t2;
  Context::set_random_seed(1701);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&t0, &t1, &t2});
}

// ---- GPU ----------------------------------------------------------------
// Forward moves nothing and backward copies and adds (alpha 1, so no
// rounding can differ): GPU and CPU must agree exactly (tolerance 0).

TEST(SplitGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "split" type: "Split" bottom: "x" top: "a" top: "b" top: "c")"),
                            {{3, 5, 7, 9}}, opt);
  test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "split" type: "Split" bottom: "x" top: "a")"), {{17, 13}}, opt);
}

// The tops alias the bottom's values in GPU mode too: what the host wrote
// reaches every top's device copy.
TEST(SplitGpu, TopsShareBottomData) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob bottom({2, 3}), t0, t1;
  FillValues(&bottom, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&bottom}, {&t0, &t1});
  layer->Forward({&bottom}, {&t0, &t1});
  EXPECT_EQ(t0.gpu_data(), bottom.gpu_data());
  EXPECT_EQ(DataOf(t1), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(SplitGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob bottom({2, 3, 5}), t0, t1, t2;
  Context::set_random_seed(1711);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&t0, &t1, &t2});
}

}  // namespace
}  // namespace cnn
