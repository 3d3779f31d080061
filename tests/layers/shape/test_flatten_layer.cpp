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
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "flat" type: "Flatten" )" + param));
}

std::vector<int> FlattenedShape(const std::string& param, const std::vector<int>& in) {
  auto layer = Make(param);
  Blob bottom(in), top;
  layer->SetUp({&bottom}, {&top});
  return top.shape();
}

TEST(FlattenLayer, Shapes) {
  const std::vector<int> in = {2, 3, 4, 5};
  EXPECT_EQ(FlattenedShape("", in), (std::vector<int>{2, 60}));
  EXPECT_EQ(FlattenedShape("flatten_param { axis: 2 }", in), (std::vector<int>{2, 3, 20}));
  EXPECT_EQ(FlattenedShape("flatten_param { axis: 0 end_axis: -2 }", in), (std::vector<int>{24, 5}));
  EXPECT_EQ(FlattenedShape("flatten_param { axis: 1 end_axis: 2 }", in), (std::vector<int>{2, 12, 5}));
  EXPECT_EQ(FlattenedShape("flatten_param { axis: -1 }", in), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(FlattenedShape("flatten_param { axis: 0 }", in), (std::vector<int>{120}));
}

TEST(FlattenLayer, SharesDataWithBottom) {
  auto layer = Make();
  Blob bottom({2, 3, 2}), top;
  Context::set_random_seed(2);
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.cpu_data(), bottom.cpu_data());
  EXPECT_EQ(DataOf(top), DataOf(bottom));
}

TEST(FlattenLayer, BackwardCopiesDiff) {
  auto layer = Make();
  Blob bottom({2, 2, 1}), top;
  layer->SetUp({&bottom}, {&top});
  float* d = top.mutable_cpu_diff();
  for (int i = 0; i < 4; ++i) d[i] = static_cast<float>(i) - 1.5f;
  layer->Backward({&top}, {true}, {&bottom});
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 4),
            (std::vector<float>{-1.5f, -0.5f, 0.5f, 1.5f}));
}

TEST(FlattenLayer, BadAxesThrow) {
  Blob bottom({2, 3, 4}), top;
  EXPECT_THROW(Make("flatten_param { axis: 3 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("flatten_param { axis: 2 end_axis: 1 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("flatten_param { end_axis: -4 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make()->SetUp({&bottom}, {&bottom}), Error);
}

TEST(FlattenLayer, Gradient) {
  auto layer = Make("flatten_param { axis: 1 end_axis: 2 }");
  Blob bottom(2, 3, 2, 2), top;
  Context::set_random_seed(1701);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

// ---- GPU ----------------------------------------------------------------
// The top aliases the bottom's values and backward is one copy: GPU and CPU
// must agree exactly (tolerance 0).

LayerParameter GpuParam(const std::string& param = "") {
  return ParseLayer(R"(name: "flat" type: "Flatten" bottom: "x" top: "y" )" + param);
}

TEST(FlattenGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 5, 7, 9}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("flatten_param { axis: 1 end_axis: 2 }"), {{3, 5, 7, 9}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("flatten_param { axis: 0 }"), {{3, 5, 7}}, opt);
}

TEST(FlattenGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("flatten_param { axis: 1 end_axis: 2 }");
  Blob bottom(2, 3, 5, 3), top;
  Context::set_random_seed(1711);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

}  // namespace
}  // namespace cnn
