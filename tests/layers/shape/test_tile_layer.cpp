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
  return LayerRegistry::Create(ParseLayer(R"(name: "tile" type: "Tile" )" + param));
}

TEST(TileLayer, RepeatsTheBlockFromTheAxisOn) {
  auto layer = Make("tile_param { tiles: 2 }");
  Blob in({2, 3}), top;
  FillValues(&in, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&in}, {&top});
  layer->Forward({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 6}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
}

TEST(TileLayer, AxisZeroAndNegativeAxis) {
  Blob in({2, 2}), top;
  FillValues(&in, {1, 2, 3, 4});
  auto first = Make("tile_param { axis: 0 tiles: 2 }");
  first->SetUp({&in}, {&top});
  first->Forward({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{4, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
  auto last = Make("tile_param { axis: -1 tiles: 3 }");
  last->SetUp({&in}, {&top});
  last->Forward({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 6}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
}

TEST(TileLayer, BackwardSumsTheCopies) {
  auto layer = Make("tile_param { tiles: 3 }");
  Blob in({1, 2}), top;
  layer->SetUp({&in}, {&top});
  const std::vector<float> d = {1, 2, 10, 20, 100, 200};
  std::copy(d.begin(), d.end(), top.mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&in});
  EXPECT_EQ(in.cpu_diff()[0], 111.f);
  EXPECT_EQ(in.cpu_diff()[1], 222.f);
}

TEST(TileLayer, BadParametersNameLayerParameterAndShapes) {
  Blob in({2, 3}), top;
  std::string msg = ErrorOf([&] { Make("")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("layer 'tile' (Tile)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tiles"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("tile_param { tiles: 0 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("tiles must be positive, got 0"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("tile_param { axis: 2 tiles: 2 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("axis 2 out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find(in.shape_string()), std::string::npos) << msg;
  EXPECT_THROW(Make("tile_param { tiles: -2 }")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("tile_param { axis: -3 tiles: 2 }")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("tile_param { tiles: 2 }")->SetUp({&in}, {&in}), Error);
}

class TileGradientTest : public ::testing::TestWithParam<int> {};

TEST_P(TileGradientTest, ThreeTiles) {
  auto layer = Make("tile_param { tiles: 3 axis: " + std::to_string(GetParam()) + " }");
  Blob in(2, 3, 2, 2), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
}

INSTANTIATE_TEST_SUITE_P(Axes, TileGradientTest, ::testing::Values(0, 1, 3));

// ---- GPU ----------------------------------------------------------------

TEST(TileGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;  // copies, and sums in the same order
  for (const char* p : {"tile_param { tiles: 3 }", "tile_param { axis: 0 tiles: 2 }", "tile_param { axis: -1 tiles: 5 }"}) {
    SCOPED_TRACE(p);
    test::ExpectGpuMatchesCpu(ParseLayer(std::string(R"(name: "tile" type: "Tile" bottom: "x" top: "y" )") + p),
                              {{3, 4, 5, 6}}, opt);
  }
}

TEST(TileGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("tile_param { tiles: 2 axis: 2 }");
  Blob in(2, 3, 2, 3), top;
  Context::set_random_seed(1711);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
}

}  // namespace
}  // namespace cnn
