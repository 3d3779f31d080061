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

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "sl" type: "Slice" )" + param));
}

std::vector<float> Iota(int n, float start = 0) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(SliceLayer, SlicePointsAlongChannels) {
  auto layer = Make("slice_param { slice_point: 1 slice_point: 3 }");
  Blob bottom({2, 4, 2}), a, b, c;
  FillValues(&bottom, Iota(16));
  layer->SetUp({&bottom}, {&a, &b, &c});
  layer->Forward({&bottom}, {&a, &b, &c});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 1, 2}));
  EXPECT_EQ(b.shape(), (std::vector<int>{2, 2, 2}));
  EXPECT_EQ(c.shape(), (std::vector<int>{2, 1, 2}));
  EXPECT_EQ(DataOf(a), (std::vector<float>{0, 1, 8, 9}));
  EXPECT_EQ(DataOf(b), (std::vector<float>{2, 3, 4, 5, 10, 11, 12, 13}));
  EXPECT_EQ(DataOf(c), (std::vector<float>{6, 7, 14, 15}));
}

TEST(SliceLayer, EqualPartsWithoutPoints) {
  auto layer = Make("slice_param { axis: 0 }");
  Blob bottom({4, 3}), a, b;
  FillValues(&bottom, Iota(12));
  layer->SetUp({&bottom}, {&a, &b});
  layer->Forward({&bottom}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(DataOf(a), Iota(6));
  EXPECT_EQ(DataOf(b), Iota(6, 6));
}

TEST(SliceLayer, NegativeAxisAndLegacySliceDim) {
  Blob bottom({2, 3});
  FillValues(&bottom, Iota(6));
  for (const char* param : {"slice_param { axis: -1 slice_point: 2 }", "slice_param { slice_dim: 1 slice_point: 2 }"}) {
    auto layer = Make(param);
    Blob a, b;
    layer->SetUp({&bottom}, {&a, &b});
    layer->Forward({&bottom}, {&a, &b});
    EXPECT_EQ(DataOf(a), (std::vector<float>{0, 1, 3, 4})) << param;
    EXPECT_EQ(DataOf(b), (std::vector<float>{2, 5})) << param;
  }
}

TEST(SliceLayer, LastPointAtTheEndGivesAnEmptyTop) {
  auto layer = Make("slice_param { slice_point: 3 }");
  Blob bottom({2, 3}), a, b;
  layer->SetUp({&bottom}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(b.shape(), (std::vector<int>{2, 0}));
}

TEST(SliceLayer, Backward) {
  auto layer = Make("slice_param { axis: 1 slice_point: 1 }");
  Blob bottom({2, 3}), a, b;
  layer->SetUp({&bottom}, {&a, &b});
  layer->Forward({&bottom}, {&a, &b});
  FillValues(&a, {0, 0});
  std::copy_n(std::vector<float>{1, 2}.data(), 2, a.mutable_cpu_diff());
  std::copy_n(std::vector<float>{3, 4, 5, 6}.data(), 4, b.mutable_cpu_diff());
  layer->Backward({&a, &b}, {true}, {&bottom});
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 6), (std::vector<float>{1, 3, 4, 2, 5, 6}));
}

TEST(SliceLayer, BadParametersNameLayerParameterAndShapes) {
  Blob bottom({2, 6, 3}), a, b, c;
  std::string msg = ErrorOf([&] { Make("slice_param { slice_point: 4 slice_point: 2 }")->SetUp({&bottom}, {&a, &b, &c}); });
  EXPECT_NE(msg.find("layer 'sl' (Slice)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("slice_point 2"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("slice_param { slice_point: 2 slice_point: 7 }")->SetUp({&bottom}, {&a, &b, &c}); });
  EXPECT_NE(msg.find("past the end of axis 1 (size 6)"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("slice_param { slice_point: 2 }")->SetUp({&bottom}, {&a, &b, &c}); });
  EXPECT_NE(msg.find("1 slice_point value(s) for 3 top(s)"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("slice_param { axis: 2 }")->SetUp({&bottom}, {&a, &b}); });
  EXPECT_NE(msg.find("evenly"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("slice_param { axis: 3 }")->SetUp({&bottom}, {&a, &b}); });
  EXPECT_NE(msg.find("axis 3 out of range"), std::string::npos) << msg;
  EXPECT_THROW(Make("slice_param { slice_point: 0 slice_point: 2 }")->SetUp({&bottom}, {&a, &b, &c}), Error);
  EXPECT_THROW(Make("slice_param { slice_point: 2 slice_point: 2 }")->SetUp({&bottom}, {&a, &b, &c}), Error);
  EXPECT_THROW(Make("slice_param { axis: -4 }")->SetUp({&bottom}, {&a, &b}), Error);
  EXPECT_THROW(Make("slice_param { slice_dim: 3 }")->SetUp({&bottom}, {&a, &b}), Error);
  EXPECT_THROW(Make("slice_param { axis: 1 slice_dim: 1 }")->SetUp({&bottom}, {&a, &b}), Error);
  EXPECT_THROW(Make("")->SetUp({&bottom}, {&a, &bottom}), Error);
}

class SliceGradientTest : public ::testing::TestWithParam<int> {};

TEST_P(SliceGradientTest, ThreeTops) {
  const int axis = GetParam();
  auto layer = Make("slice_param { axis: " + std::to_string(axis) + " slice_point: 1 slice_point: 3 }");
  Blob bottom(4, 5, 4, 3), a, b, c;
  Context::set_random_seed(1701);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&a, &b, &c});
}

INSTANTIATE_TEST_SUITE_P(Axes, SliceGradientTest, ::testing::Values(0, 1, 2, -1));

TEST(SliceLayer, GradientSingleTopAndEqualParts) {
  Blob bottom({2, 4, 3}), whole, a, b;
  Context::set_random_seed(5);
  FillGaussian(&bottom);
  auto one = Make("");
  CheckGradient(*one, {&bottom}, {&whole});
  auto two = Make("slice_param { axis: 1 }");
  CheckGradient(*two, {&bottom}, {&a, &b});
}

// ---- GPU ----------------------------------------------------------------
// Pure copies: GPU and CPU must agree exactly.

LayerParameter GpuParam(const std::string& param, int tops) {
  std::string text = R"(name: "sl" type: "Slice" bottom: "x" )";
  for (int i = 0; i < tops; ++i) text += "top: \"y" + std::to_string(i) + "\" ";
  return ParseLayer(text + param);
}

TEST(SliceGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(GpuParam("slice_param { slice_point: 1 slice_point: 5 }", 3), {{3, 8, 4, 7}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("slice_param { axis: 0 }", 2), {{6, 5}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("slice_param { axis: -1 slice_point: 2 }", 2), {{3, 5, 7}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("", 1), {{3, 5, 7}}, opt);
}

TEST(SliceGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("slice_param { axis: 2 slice_point: 1 slice_point: 3 }");
  Blob bottom(2, 3, 4, 3), a, b, c;
  Context::set_random_seed(1711);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&a, &b, &c});
}

}  // namespace
}  // namespace cnn
