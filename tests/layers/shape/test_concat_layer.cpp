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

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "cat" type: "Concat" )" + param));
}

std::vector<float> Iota(int n, float start) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(ConcatLayer, ForwardAlongChannels) {
  auto layer = Make("");
  Blob a({2, 1, 2}), b({2, 2, 2}), top;
  FillValues(&a, Iota(4, 0));
  FillValues(&b, Iota(8, 100));
  layer->SetUp({&a, &b}, {&top});
  layer->Forward({&a, &b}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{0, 1, 100, 101, 102, 103, 2, 3, 104, 105, 106, 107}));
}

TEST(ConcatLayer, ForwardAlongNum) {
  auto layer = Make("concat_param { axis: 0 }");
  Blob a({1, 3}), b({2, 3}), top;
  FillValues(&a, Iota(3, 0));
  FillValues(&b, Iota(6, 10));
  layer->SetUp({&a, &b}, {&top});
  layer->Forward({&a, &b}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{3, 3}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{0, 1, 2, 10, 11, 12, 13, 14, 15}));
}

TEST(ConcatLayer, NegativeAxisAndLegacyConcatDim) {
  Blob a({2, 2}), b({2, 1}), c({2, 3});
  FillValues(&a, {1, 2, 3, 4});
  FillValues(&b, {5, 6});
  FillValues(&c, {7, 8, 9, 10, 11, 12});
  const std::vector<float> expected = {1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12};
  for (const char* param : {"concat_param { axis: -1 }", "concat_param { concat_dim: 1 }"}) {
    auto layer = Make(param);
    Blob top;
    layer->SetUp({&a, &b, &c}, {&top});
    layer->Forward({&a, &b, &c}, {&top});
    EXPECT_EQ(top.shape(), (std::vector<int>{2, 6})) << param;
    EXPECT_EQ(DataOf(top), expected) << param;
  }
}

TEST(ConcatLayer, SingleBottomPassesThrough) {
  auto layer = Make("");
  Blob a({2, 3}), top;
  FillValues(&a, Iota(6, 1));
  layer->SetUp({&a}, {&top});
  layer->Forward({&a}, {&top});
  EXPECT_EQ(top.shape(), a.shape());
  EXPECT_EQ(DataOf(top), Iota(6, 1));
}

TEST(ConcatLayer, MismatchNamesLayerAndBottom) {
  auto layer = Make("");
  Blob a({2, 3, 4}), b({2, 5, 4}), c({2, 1, 5}), top;
  try {
    layer->SetUp({&a, &b, &c}, {&top});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'cat' (Concat)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bottom 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.shape_string()), std::string::npos) << msg;
  }
  Blob d({2, 3});
  EXPECT_THROW(Make("")->SetUp({&a, &d}, {&top}), Error);
}

TEST(ConcatLayer, BadAxisParametersThrow) {
  Blob a({2, 3}), b({2, 3}), top;
  EXPECT_THROW(Make("concat_param { axis: 2 }")->SetUp({&a, &b}, {&top}), Error);
  EXPECT_THROW(Make("concat_param { axis: -3 }")->SetUp({&a, &b}, {&top}), Error);
  EXPECT_THROW(Make("concat_param { concat_dim: 2 }")->SetUp({&a, &b}, {&top}), Error);
  EXPECT_THROW(Make("concat_param { axis: 1 concat_dim: 1 }")->SetUp({&a, &b}, {&top}), Error);
}

TEST(ConcatLayer, Backward) {
  auto layer = Make("concat_param { axis: 1 }");
  Blob a({2, 1}), b({2, 2}), top;
  layer->SetUp({&a, &b}, {&top});
  layer->Forward({&a, &b}, {&top});
  float* diff = top.mutable_cpu_diff();
  for (int i = 0; i < 6; ++i) diff[i] = static_cast<float>(i + 1);
  layer->Backward({&top}, {true, false}, {&a, &b});
  EXPECT_EQ(std::vector<float>(a.cpu_diff(), a.cpu_diff() + 2), (std::vector<float>{1, 4}));
  // Not requested: left untouched.
  EXPECT_EQ(b.asum_diff(), 0.f);
  layer->Backward({&top}, {false, true}, {&a, &b});
  EXPECT_EQ(std::vector<float>(b.cpu_diff(), b.cpu_diff() + 4), (std::vector<float>{2, 3, 5, 6}));
}

class ConcatGradientTest : public ::testing::TestWithParam<int> {};

TEST_P(ConcatGradientTest, ThreeBottoms) {
  const int axis = GetParam();
  auto layer = Make("concat_param { axis: " + std::to_string(axis) + " }");
  // Each bottom differs from {2, 3, 2, 3} only along the concat axis.
  std::vector<std::unique_ptr<Blob>> blobs;
  BlobVec bottom;
  const int canonical = axis < 0 ? axis + 4 : axis;
  for (int size : {1, 2, 3}) {
    std::vector<int> shape = {2, 3, 2, 3};
    shape[canonical] = size;
    blobs.push_back(std::make_unique<Blob>(shape));
    bottom.push_back(blobs.back().get());
  }
  Context::set_random_seed(1701);
  for (Blob* b : bottom) FillGaussian(b);
  Blob top;
  CheckGradient(*layer, bottom, {&top});
}

INSTANTIATE_TEST_SUITE_P(Axes, ConcatGradientTest, ::testing::Values(0, 1, 2, -1));

TEST(ConcatLayer, GradientSingleBottom) {
  auto layer = Make("");
  Blob a({2, 3, 2}), top;
  Context::set_random_seed(5);
  FillGaussian(&a);
  CheckGradient(*layer, {&a}, {&top});
}

// ---- GPU ----------------------------------------------------------------
// Pure copies: GPU and CPU must agree exactly (tolerance 0).

LayerParameter GpuParam(const std::string& param, int bottoms) {
  std::string text = R"(name: "cat" type: "Concat" top: "y" )";
  for (int i = 0; i < bottoms; ++i) text += "bottom: \"x" + std::to_string(i) + "\" ";
  return ParseLayer(text + param);
}

test::GpuCompareOptions Exact() {
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  return opt;
}

// Three bottoms that differ from {3, 5, 4, 7} along `axis` only (sizes 1, 4, 3).
std::vector<std::vector<int>> ShapesAlong(int axis) {
  const int canonical = axis < 0 ? axis + 4 : axis;
  std::vector<std::vector<int>> shapes;
  for (int size : {1, 4, 3}) {
    std::vector<int> shape = {3, 5, 4, 7};
    shape[canonical] = size;
    shapes.push_back(shape);
  }
  return shapes;
}

class ConcatGpuTest : public ::testing::TestWithParam<int> {};

TEST_P(ConcatGpuTest, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const int axis = GetParam();
  test::ExpectGpuMatchesCpu(GpuParam("concat_param { axis: " + std::to_string(axis) + " }", 3), ShapesAlong(axis),
                            Exact());
}

TEST_P(ConcatGpuTest, MatchesCpuPartialPropagateDown) {
  SKIP_WITHOUT_GPU();
  const int axis = GetParam();
  test::GpuCompareOptions opt = Exact();
  opt.propagate_down = {true, false, true};
  test::ExpectGpuMatchesCpu(GpuParam("concat_param { axis: " + std::to_string(axis) + " }", 3), ShapesAlong(axis),
                            opt);
}

TEST_P(ConcatGpuTest, Gradient) {
  SKIP_WITHOUT_GPU();
  const int axis = GetParam();
  test::ScopedGpuMode gpu;
  auto layer = Make("concat_param { axis: " + std::to_string(axis) + " }");
  std::vector<std::unique_ptr<Blob>> blobs;
  BlobVec bottom;
  const int canonical = axis < 0 ? axis + 4 : axis;
  for (int size : {1, 2, 3}) {
    std::vector<int> shape = {2, 3, 2, 3};
    shape[canonical] = size;
    blobs.push_back(std::make_unique<Blob>(shape));
    bottom.push_back(blobs.back().get());
  }
  Context::set_random_seed(1711);
  for (Blob* b : bottom) FillGaussian(b);
  Blob top;
  CheckGradient(*layer, bottom, {&top});
}

INSTANTIATE_TEST_SUITE_P(Axes, ConcatGpuTest, ::testing::Values(0, 1, 2, 3, -1));

TEST(ConcatGpu, MatchesCpuSingleBottom) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("", 1), {{3, 5, 7}}, Exact());
}

TEST(ConcatGpu, MatchesCpuLegacyConcatDimAndTwoAxes) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("concat_param { concat_dim: 0 }", 2), {{3, 17}, {8, 17}}, Exact());
  test::ExpectGpuMatchesCpu(GpuParam("concat_param { axis: -1 }", 2), {{13, 3}, {13, 11}}, Exact());
}

// A bottom with nothing along the concat axis contributes nothing.
TEST(ConcatGpu, MatchesCpuWithEmptyBottom) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("", 3), {{2, 3, 5}, {2, 0, 5}, {2, 4, 5}}, Exact());
}

TEST(ConcatGpu, GradientSingleBottom) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("");
  Blob a({2, 3, 5}), top;
  Context::set_random_seed(1712);
  FillGaussian(&a);
  CheckGradient(*layer, {&a}, {&top});
}

}  // namespace
}  // namespace cnn
