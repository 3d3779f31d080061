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
using test::ErrorOf;
using test::FillGaussian;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "rs" type: "Reshape" )" + param));
}

std::vector<int> ShapeOf(const std::string& param, const std::vector<int>& in) {
  auto layer = Make(param);
  Blob bottom(in), top;
  layer->SetUp({&bottom}, {&top});
  return top.shape();
}

TEST(ReshapeLayer, ExplicitCopyAndInferredDims) {
  const std::vector<int> in = {2, 3, 4, 5};
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 6 dim: 20 } }", in), (std::vector<int>{6, 20}));
  // 0 copies the input's dimension at the same place, -1 takes what is left.
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 0 dim: -1 } }", in), (std::vector<int>{2, 60}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 0 dim: 0 dim: -1 dim: 2 } }", in), (std::vector<int>{2, 3, 10, 2}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: -1 } }", in), (std::vector<int>{120}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 0 dim: 3 dim: 0 dim: 5 } }", in), (std::vector<int>{2, 3, 4, 5}));
}

TEST(ReshapeLayer, AxisAndNumAxesReplaceARange) {
  const std::vector<int> in = {2, 3, 4, 5};
  // Axes [1, 3) = 3 x 4 become 12.
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: -1 } axis: 1 num_axes: 2 }", in), (std::vector<int>{2, 12, 5}));
  // num_axes 0 inserts axes: before axis 0, after the last (axis -1), in the middle.
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 1 } axis: 0 num_axes: 0 }", in), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 1 dim: 1 } axis: -1 num_axes: 0 }", in),
            (std::vector<int>{2, 3, 4, 5, 1, 1}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 1 } axis: 2 num_axes: 0 }", in), (std::vector<int>{2, 3, 1, 4, 5}));
  // axis -2 is the position before the last axis; 0 copies from there on.
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 0 dim: 1 } axis: -2 }", in), (std::vector<int>{2, 3, 4, 5, 1}));
  EXPECT_EQ(ShapeOf("reshape_param { shape { dim: 2 dim: -1 } axis: 1 }", in), (std::vector<int>{2, 2, 30}));
  // An empty shape with num_axes 1 drops a unit axis.
  EXPECT_EQ(ShapeOf("reshape_param { shape { } axis: 1 num_axes: 1 }", {4, 1, 3}), (std::vector<int>{4, 3}));
}

TEST(ReshapeLayer, SharesDataAndDiffWithBottom) {
  auto layer = Make("reshape_param { shape { dim: -1 dim: 2 } }");
  Blob bottom({2, 3, 2}), top;
  Context::set_random_seed(3);
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{6, 2}));
  EXPECT_EQ(top.cpu_data(), bottom.cpu_data());
  top.mutable_cpu_diff()[5] = 7.f;
  layer->Backward({&top}, {true}, {&bottom});
  EXPECT_EQ(bottom.cpu_diff()[5], 7.f);
  EXPECT_EQ(top.cpu_diff(), bottom.cpu_diff());
}

TEST(ReshapeLayer, FollowsBottomShapeChanges) {
  auto layer = Make("reshape_param { shape { dim: 0 dim: -1 } }");
  Blob bottom({2, 3, 4}), top;
  layer->SetUp({&bottom}, {&top});
  bottom.Reshape({5, 3, 2});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{5, 6}));
  EXPECT_EQ(top.cpu_data(), bottom.cpu_data());
}

TEST(ReshapeLayer, BadParametersNameLayerParameterAndShapes) {
  Blob bottom({2, 3, 4}), top;
  std::string msg = ErrorOf([&] { Make("reshape_param { shape { dim: 5 dim: 5 } }")->SetUp({&bottom}, {&top}); });
  EXPECT_NE(msg.find("layer 'rs' (Reshape)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("24"), std::string::npos) << msg;
  EXPECT_NE(msg.find("25"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("reshape_param { shape { dim: -1 dim: 5 } }")->SetUp({&bottom}, {&top}); });
  EXPECT_NE(msg.find("-1"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("reshape_param { shape { dim: -1 dim: -1 } }")->SetUp({&bottom}, {&top}); });
  EXPECT_NE(msg.find("more than one -1"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("reshape_param { shape { dim: 0 dim: 0 dim: 0 dim: 0 } }")->SetUp({&bottom}, {&top}); });
  EXPECT_NE(msg.find("no axis 3"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("reshape_param { shape { dim: -1 } axis: 4 }")->SetUp({&bottom}, {&top}); });
  EXPECT_NE(msg.find("axis 4 out of range"), std::string::npos) << msg;
  EXPECT_THROW(Make("reshape_param { shape { dim: -1 } axis: -5 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("reshape_param { shape { dim: -1 } axis: 2 num_axes: 2 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("reshape_param { shape { dim: -1 } num_axes: -2 }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("reshape_param { shape { dim: -2 dim: -12 } }")->SetUp({&bottom}, {&top}), Error);
  EXPECT_THROW(Make("reshape_param { shape { dim: -1 } }")->SetUp({&bottom}, {&bottom}), Error);
  // A zero-sized bottom leaves nothing to infer from.
  Blob empty({0, 3});
  EXPECT_THROW(Make("reshape_param { shape { dim: 0 dim: -1 } }")->SetUp({&empty}, {&top}),
               Error);
}

TEST(ReshapeLayer, Gradient) {
  auto layer = Make("reshape_param { shape { dim: 0 dim: -1 dim: 2 } }");
  Blob bottom({2, 3, 4}), top;
  Context::set_random_seed(1701);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

// ---- GPU ----------------------------------------------------------------

TEST(ReshapeGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(
      ParseLayer(R"(name: "rs" type: "Reshape" bottom: "x" top: "y" reshape_param { shape { dim: 0 dim: -1 } })"),
      {{3, 5, 7}}, opt);
}

TEST(ReshapeGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("reshape_param { shape { dim: -1 } axis: 1 num_axes: 2 }");
  Blob bottom(2, 3, 4, 2), top;
  Context::set_random_seed(1711);
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

}  // namespace
}  // namespace cnn
