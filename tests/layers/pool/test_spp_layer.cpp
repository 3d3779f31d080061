#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/pool/spp_layer.hpp"
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
  return LayerRegistry::Create(ParseLayer(R"(name: "spp" type: "SPP" )" + param));
}

std::vector<float> Iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

struct Window {
  int kernel, pad;
};

Window LevelWindow(int level, int size) {
  const PoolingParameter p = SPPLayer::LevelPooling(level, size, size, SPPParameter::MAX);
  EXPECT_EQ(p.stride_h(), p.kernel_h());
  return {static_cast<int>(p.kernel_h()), static_cast<int>(p.pad_h())};
}

TEST(SPPLayer, BinSizesAndPadsFollowCaffe) {
  // 13 pixels in 1, 2, 4 bins: kernel ceil(13 / bins), pad (kernel * bins - 13 + 1) / 2.
  EXPECT_EQ(LevelWindow(0, 13).kernel, 13);
  EXPECT_EQ(LevelWindow(0, 13).pad, 0);
  EXPECT_EQ(LevelWindow(1, 13).kernel, 7);
  EXPECT_EQ(LevelWindow(1, 13).pad, 1);
  EXPECT_EQ(LevelWindow(2, 13).kernel, 4);
  EXPECT_EQ(LevelWindow(2, 13).pad, 2);
  EXPECT_EQ(LevelWindow(2, 16).kernel, 4);
  EXPECT_EQ(LevelWindow(2, 16).pad, 0);
  const PoolingParameter r = SPPLayer::LevelPooling(1, 6, 9, SPPParameter::AVE);
  EXPECT_EQ(r.kernel_h(), 3u);
  EXPECT_EQ(r.kernel_w(), 5u);
  EXPECT_EQ(r.pad_h(), 0u);
  EXPECT_EQ(r.pad_w(), 1u);
  EXPECT_EQ(r.pool(), PoolingParameter::AVE);
}

TEST(SPPLayer, TopShapes) {
  Blob in(2, 3, 13, 13), top;
  Make("spp_param { pyramid_height: 3 }")->SetUp({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3 * (1 + 4 + 16)}));
  // One level is the pooling output itself, not flattened.
  Make("spp_param { pyramid_height: 1 }")->SetUp({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 1, 1}));
  Blob odd(1, 2, 7, 10);
  Make("spp_param { pyramid_height: 2 pool: AVE }")->SetUp({&odd}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 2 * 5}));
}

TEST(SPPLayer, MaxAndAveValues) {
  Blob in(1, 1, 4, 4), top;
  FillValues(&in, Iota(16));
  auto max = Make("spp_param { pyramid_height: 2 }");
  max->SetUp({&in}, {&top});
  max->Forward({&in}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{15, 5, 7, 13, 15}));
  auto ave = Make("spp_param { pyramid_height: 2 pool: AVE }");
  ave->SetUp({&in}, {&top});
  ave->Forward({&in}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{7.5f, 2.5f, 4.5f, 10.5f, 12.5f}));
}

TEST(SPPLayer, PaddedLevelValues) {
  // 3 x 3 in 2 bins: kernel 2, pad 1, so the windows cover rows {0} and {1, 2}.
  Blob in(1, 1, 3, 3), top;
  FillValues(&in, Iota(9));
  auto max = Make("spp_param { pyramid_height: 2 }");
  max->SetUp({&in}, {&top});
  max->Forward({&in}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{8, 0, 2, 6, 8}));
  // AVE divides by the window clipped to the padded input (4 here), as Pooling does.
  auto ave = Make("spp_param { pyramid_height: 2 pool: AVE }");
  ave->SetUp({&in}, {&top});
  ave->Forward({&in}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{4, 0, 0.75f, 2.25f, 6}));
}

TEST(SPPLayer, FollowsInputShapeChanges) {
  auto layer = Make("spp_param { pyramid_height: 2 }");
  Blob in(1, 2, 4, 4), top;
  layer->SetUp({&in}, {&top});
  in.Reshape(3, 2, 6, 5);
  Context::set_random_seed(4);
  FillGaussian(&in);
  layer->Forward({&in}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{3, 10}));
  // The level-0 bin is the plane's maximum.
  const float* x = in.cpu_data();
  float best = x[0];
  for (int i = 0; i < 30; ++i) best = std::max(best, x[i]);
  EXPECT_EQ(top.cpu_data()[0], best);
}

TEST(SPPLayer, BadParametersNameLayerParameterAndShapes) {
  Blob in(1, 2, 8, 8), flat({2, 8}), top;
  std::string msg = ErrorOf([&] { Make("")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("layer 'spp' (SPP)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pyramid_height must be at least 1, got 0"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("spp_param { pyramid_height: 2 }")->SetUp({&flat}, {&top}); });
  EXPECT_NE(msg.find("4-D"), std::string::npos) << msg;
  EXPECT_NE(msg.find(flat.shape_string()), std::string::npos) << msg;
  // 3 pixels in 4 bins: kernel 1 with pad 1, which Pooling refuses.
  Blob small(1, 1, 3, 3);
  msg = ErrorOf([&] { Make("spp_param { pyramid_height: 3 }")->SetUp({&small}, {&top}); });
  EXPECT_NE(msg.find("layer 'spp' (SPP): pyramid level 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pad"), std::string::npos) << msg;
  EXPECT_THROW(Make("spp_param { pyramid_height: 2 engine: CUDNN }")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("spp_param { pyramid_height: 2 }")->SetUp({&in}, {&in}), Error);
}

struct GradCase {
  const char* param;
  int size;
};

class SPPGradientTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(SPPGradientTest, Matches) {
  auto layer = Make(GetParam().param);
  Blob in(2, 2, GetParam().size, GetParam().size + 1), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  test::GradientCheckOptions opt;
  opt.step = 1e-3f;  // small enough not to swap MAX's winners
  CheckGradient(*layer, {&in}, {&top}, opt);
}

INSTANTIATE_TEST_SUITE_P(Levels, SPPGradientTest,
                         ::testing::Values(GradCase{"spp_param { pyramid_height: 3 }", 8},
                                           GradCase{"spp_param { pyramid_height: 2 pool: AVE }", 5},
                                           GradCase{"spp_param { pyramid_height: 1 pool: AVE }", 4},
                                           GradCase{"spp_param { pyramid_height: 3 pool: AVE }", 8}));

// ---- GPU ----------------------------------------------------------------

TEST(SPPGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  for (const char* p : {"spp_param { pyramid_height: 3 }", "spp_param { pyramid_height: 3 pool: AVE }",
                        "spp_param { pyramid_height: 1 }"}) {
    SCOPED_TRACE(p);
    test::ExpectGpuMatchesCpu(ParseLayer(std::string(R"(name: "spp" type: "SPP" bottom: "x" top: "y" )") + p),
                              {{3, 4, 13, 11}}, opt);
  }
}

TEST(SPPGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("spp_param { pyramid_height: 2 pool: AVE }");
  Blob in(2, 2, 5, 6), top;
  Context::set_random_seed(1711);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
}

}  // namespace
}  // namespace cnn
