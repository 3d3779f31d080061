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
using test::ErrorOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make() { return LayerRegistry::Create(ParseLayer(R"(name: "filt" type: "Filter")")); }

TEST(FilterLayer, KeepsSelectedItemsOfEveryBottom) {
  auto layer = Make();
  Blob a({4, 2}), b({4, 1, 1}), selector({4, 1}), ta, tb;
  FillValues(&a, {0, 1, 10, 11, 20, 21, 30, 31});
  FillValues(&b, {5, 6, 7, 8});
  FillValues(&selector, {1, 0, 0.7f, 2});  // 0.7 reads as 0
  layer->SetUp({&a, &b, &selector}, {&ta, &tb});
  // Before the first forward the tops are shaped for the whole batch.
  EXPECT_EQ(ta.shape(), (std::vector<int>{4, 2}));
  layer->Forward({&a, &b, &selector}, {&ta, &tb});
  EXPECT_EQ(ta.shape(), (std::vector<int>{2, 2}));
  EXPECT_EQ(DataOf(ta), (std::vector<float>{0, 1, 30, 31}));
  EXPECT_EQ(tb.shape(), (std::vector<int>{2, 1, 1}));
  EXPECT_EQ(DataOf(tb), (std::vector<float>{5, 8}));
}

TEST(FilterLayer, ShapesFollowTheSelectorEveryBatch) {
  auto layer = Make();
  Blob a({3, 2}), selector({3}), top;
  FillValues(&selector, {1, 1, 1});
  layer->SetUp({&a, &selector}, {&top});
  layer->Forward({&a, &selector}, {&top});
  EXPECT_EQ(top.shape(0), 3);
  FillValues(&selector, {0, 0, 0});
  layer->Forward({&a, &selector}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{0, 2}));
  FillValues(&selector, {0, 1, 0});
  layer->Forward({&a, &selector}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 2}));
}

TEST(FilterLayer, BackwardScattersAndZeroesFilteredRows) {
  auto layer = Make();
  Blob a({3, 2}), selector({3}), top;
  FillValues(&selector, {0, 1, 1});
  layer->SetUp({&a, &selector}, {&top});
  layer->Forward({&a, &selector}, {&top});
  const std::vector<float> d = {1, 2, 3, 4};
  std::copy(d.begin(), d.end(), top.mutable_cpu_diff());
  std::fill_n(a.mutable_cpu_diff(), 6, 9.f);
  layer->Backward({&top}, {true, false}, {&a, &selector});
  EXPECT_EQ(std::vector<float>(a.cpu_diff(), a.cpu_diff() + 6), (std::vector<float>{0, 0, 1, 2, 3, 4}));
  // Nothing kept: every row's gradient is zero.
  FillValues(&selector, {0, 0, 0});
  layer->Forward({&a, &selector}, {&top});
  layer->Backward({&top}, {true, false}, {&a, &selector});
  EXPECT_EQ(a.asum_diff(), 0.f);
}

TEST(FilterLayer, BadInputsNameLayerAndShapes) {
  Blob a({3, 2}), short_a({2, 2}), selector({3}), wide({3, 2}), t1, t2;
  std::string msg = ErrorOf([&] { Make()->SetUp({&a, &selector}, {&t1, &t2}); });
  EXPECT_NE(msg.find("layer 'filt' (Filter)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("one top per data bottom"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make()->SetUp({&short_a, &selector}, {&t1}); });
  EXPECT_NE(msg.find(short_a.shape_string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 items"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make()->SetUp({&a, &wide}, {&t1}); });
  EXPECT_NE(msg.find("one value per item"), std::string::npos) << msg;
  auto layer = Make();
  layer->SetUp({&a, &selector}, {&t1});
  EXPECT_FALSE(layer->AllowForceBackward(1));
  EXPECT_TRUE(layer->AllowForceBackward(0));
  msg = ErrorOf([&] { layer->Backward({&t1}, {true, true}, {&a, &selector}); });
  EXPECT_NE(msg.find("cannot back-propagate to the selector"), std::string::npos) << msg;
}

TEST(FilterLayer, Gradient) {
  auto layer = Make();
  Blob a({5, 2, 3}), b({5, 4}), selector({5, 1, 1}), ta, tb;
  Context::set_random_seed(1701);
  FillGaussian(&a);
  FillGaussian(&b);
  FillValues(&selector, {1, 0, 1, 1, 0});
  test::GradientCheckOptions opt;
  opt.bottoms = {0, 1};
  CheckGradient(*layer, {&a, &b, &selector}, {&ta, &tb}, opt);
}

// ---- GPU ----------------------------------------------------------------

test::GpuCompareOptions GpuOptions(int pattern) {
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  opt.propagate_down = {true, true, false};
  opt.fill = [pattern](int i, Blob* b) {
    if (i < 2) {
      test::FillGaussian(b);
      return;
    }
    float* d = b->mutable_cpu_data();
    for (int k = 0; k < b->count(); ++k) d[k] = static_cast<float>(pattern == 0 ? (k % 3 == 1) : pattern == 1);
  };
  return opt;
}

TEST(FilterGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const LayerParameter p =
      ParseLayer(R"(name: "filt" type: "Filter" bottom: "x" bottom: "z" bottom: "s" top: "y" top: "w")");
  for (int pattern : {0, 1, 2}) {  // every third kept, all kept, none kept
    SCOPED_TRACE(pattern);
    test::ExpectGpuMatchesCpu(p, {{10, 3, 4, 5}, {10, 7}, {10}}, GpuOptions(pattern));
  }
}

TEST(FilterGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob a({5, 2, 3}), selector({5}), top;
  Context::set_random_seed(1711);
  FillGaussian(&a);
  FillValues(&selector, {0, 1, 1, 0, 1});
  test::GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&a, &selector}, {&top}, opt);
}

}  // namespace
}  // namespace cnn
