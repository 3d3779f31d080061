#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "relu" type: "ReLU" )" + param));
}


TEST(ReLULayer, Forward) {
  Blob x({5}), y;
  FillValues(&x, {-2, -0.5f, 0, 0.5f, 3});
  auto layer = Make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(DataOf(y), (std::vector<float>{0, 0, 0, 0.5f, 3}));
}

TEST(ReLULayer, LeakyForwardAndBackward) {
  Blob x({4}), y;
  FillValues(&x, {-2, -0.5f, 1, 3});
  auto layer = Make("relu_param { negative_slope: 0.25 }");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(DataOf(y), (std::vector<float>{-0.5f, -0.125f, 1, 3}));
  FillValues(&y, {0, 0, 0, 0});
  std::vector<float> dy = {1, 2, 3, 4};
  std::copy(dy.begin(), dy.end(), y.mutable_cpu_diff());
  layer->Backward({&y}, {true}, {&x});
  EXPECT_EQ(DiffOf(x), (std::vector<float>{0.25f, 0.5f, 3, 4}));
}

TEST(ReLULayer, Gradient) {
  Context::set_random_seed(1701);
  Blob x(2, 3, 3, 4), y;
  FillGaussian(&x);
  auto layer = Make();
  GradientCheckOptions opt;
  opt.kink = 0.f;
  opt.kink_range = 0.02f;  // wider than the step: no difference straddles the kink
  CheckGradient(*layer, {&x}, {&y}, opt);
}

TEST(ReLULayer, GradientLeaky) {
  Context::set_random_seed(1702);
  Blob x(2, 3, 3, 4), y;
  FillGaussian(&x);
  auto layer = Make("relu_param { negative_slope: 0.1 }");
  GradientCheckOptions opt;
  opt.kink = 0.f;
  opt.kink_range = 0.02f;
  CheckGradient(*layer, {&x}, {&y}, opt);
}

// Running with top == bottom must give the same values and gradients.
void ExpectInPlaceMatches(const std::string& param) {
  test::ExpectInPlaceMatchesSeparate([&] { return Make(param); }, {3, 4, 5}, 1703);
}

TEST(ReLULayer, InPlace) { ExpectInPlaceMatches(""); }

TEST(ReLULayer, InPlaceLeaky) { ExpectInPlaceMatches("relu_param { negative_slope: 0.2 }"); }

TEST(ReLULayer, NoPropagateLeavesBottomDiff) {
  Blob x({2}), y;
  FillValues(&x, {1, -1});
  auto layer = Make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  x.mutable_cpu_diff()[0] = 7.f;
  x.mutable_cpu_diff()[1] = 8.f;
  layer->Backward({&y}, {false}, {&x});
  EXPECT_EQ(DiffOf(x), (std::vector<float>{7, 8}));
}

// ---- GPU ----------------------------------------------------------------
// The kernel repeats the CPU's comparisons, so values and gradients must
// agree exactly (tolerance 0).

LayerParameter GpuParam(const std::string& param = "") {
  return ParseLayer(R"(name: "relu" type: "ReLU" bottom: "x" top: "y" )" + param);
}

test::GpuCompareOptions Exact(bool in_place = false) {
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  opt.in_place = in_place;
  return opt;
}

TEST(ReLUGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 5, 7, 9}}, Exact());
}

TEST(ReLUGpu, MatchesCpuLeaky) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("relu_param { negative_slope: 0.1 }"), {{3, 5, 7, 9}}, Exact());
}

TEST(ReLUGpu, MatchesCpuInPlace) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{2, 3, 11, 13}}, Exact(true));
  test::ExpectGpuMatchesCpu(GpuParam("relu_param { negative_slope: 0.25 }"), {{2, 3, 11, 13}}, Exact(true));
}

// NaN propagates as on the CPU (fmaxf would map it to 0); zeros and huge
// values of either sign take the same branches.
TEST(ReLUGpu, MatchesCpuOnSpecialValues) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = Exact();
  opt.fill = [](int, Blob* b) {
    FillValues(b, {-0.f, 0.f, -1.f, 1.f, std::numeric_limits<float>::quiet_NaN(), -1e30f, 1e30f});
  };
  test::ExpectGpuMatchesCpu(GpuParam(), {{7}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("relu_param { negative_slope: 0.5 }"), {{7}}, opt);
}

TEST(ReLUGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1711);
  Blob x(2, 3, 5, 7), y;
  FillGaussian(&x);
  auto layer = Make();
  GradientCheckOptions opt;
  opt.kink = 0.f;
  opt.kink_range = 0.02f;
  CheckGradient(*layer, {&x}, {&y}, opt);
}

TEST(ReLUGpu, GradientLeaky) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1712);
  Blob x(2, 3, 5, 7), y;
  FillGaussian(&x);
  auto layer = Make("relu_param { negative_slope: 0.1 }");
  GradientCheckOptions opt;
  opt.kink = 0.f;
  opt.kink_range = 0.02f;
  CheckGradient(*layer, {&x}, {&y}, opt);
}

}  // namespace
}  // namespace cnn
