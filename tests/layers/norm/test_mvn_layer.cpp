#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/mvn_layer.hpp"
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
  return LayerRegistry::Create(ParseLayer("name: 'mvn' type: 'MVN' mvn_param { " + param + " }"));
}

void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5f * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

// 2 x 2 x 3: runs {1, 2, 3}, {0, 0, 6}, {4, 4, 4}, {-1, 1, 0}.
const std::vector<float> kX = {1, 2, 3, 0, 0, 6, 4, 4, 4, -1, 1, 0};

TEST(MVNLayer, Defaults) {
  const MVNParameter p;
  EXPECT_TRUE(p.normalize_variance());
  EXPECT_FALSE(p.across_channels());
  EXPECT_FLOAT_EQ(p.eps(), 1e-9f);
}

TEST(MVNLayer, EpsIsAddedToTheDeviationPerChannel) {
  // eps 0.5 tells sqrt(var) + eps (Caffe) from sqrt(var + eps).
  auto layer = Make("eps: 0.5");
  Blob bottom(std::vector<int>{2, 2, 3}), top;
  FillValues(&bottom, kX);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const float d0 = std::sqrt(2.f / 3) + 0.5f;  // {1, 2, 3}: mean 2, variance 2/3
  const float d1 = std::sqrt(8.f) + 0.5f;      // {0, 0, 6}: mean 2, variance 8
  const float d3 = std::sqrt(2.f / 3) + 0.5f;  // {-1, 1, 0}: mean 0, variance 2/3
  ExpectAllNear(DataOf(top), {-1 / d0, 0, 1 / d0, -2 / d1, -2 / d1, 4 / d1, 0, 0, 0, -1 / d3, 1 / d3, 0});
}

TEST(MVNLayer, AcrossChannelsAndMeanOnly) {
  Blob bottom(std::vector<int>{2, 2, 3}), top;
  FillValues(&bottom, kX);
  auto across = Make("across_channels: true eps: 0");
  across->SetUp({&bottom}, {&top});
  across->Forward({&bottom}, {&top});
  // Example 0: {1, 2, 3, 0, 0, 6}, mean 2, variance (1+0+1+4+4+16)/6 = 13/3.
  // Example 1: {4, 4, 4, -1, 1, 0}, mean 2, variance (4*3+9+1+4)/6 = 13/3.
  const float d = std::sqrt(13.f / 3);
  ExpectAllNear(DataOf(top), {-1 / d, 0, 1 / d, -2 / d, -2 / d, 4 / d, 2 / d, 2 / d, 2 / d, -3 / d, -1 / d, -2 / d});

  auto mean_only = Make("normalize_variance: false");
  mean_only->SetUp({&bottom}, {&bottom});  // in place
  mean_only->Forward({&bottom}, {&bottom});
  ExpectAllNear(DataOf(bottom), {-1, 0, 1, -2, -2, 4, 0, 0, 0, -1, 1, 0});
}

TEST(MVNLayer, BackwardFollowsCaffesFormula) {
  // y = (x - mean) / (sigma + eps); Caffe's gradient divides
  // dy - mean(dy) - y * mean(dy * y) by sigma + eps.
  auto layer = Make("eps: 0.5");
  Blob bottom(std::vector<int>{1, 1, 3}), top;
  FillValues(&bottom, {1, 2, 3});
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const float d = std::sqrt(2.f / 3) + 0.5f;
  const std::vector<float> y = {-1 / d, 0, 1 / d};
  const std::vector<float> dy = {1, 0, 0};
  std::copy(dy.begin(), dy.end(), top.mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&bottom});
  const float mean_dy = 1.f / 3, mean_dy_y = y[0] / 3;
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i) expected.push_back((dy[i] - mean_dy - y[i] * mean_dy_y) / d);
  ExpectAllNear(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 3), expected);
}

TEST(MVNLayer, Gradient) {
  for (const std::string param : {"", "across_channels: true", "normalize_variance: false",
                                  "normalize_variance: false across_channels: true"}) {
    for (const std::vector<int>& shape : {std::vector<int>{2, 3, 2, 3}, std::vector<int>{3, 4, 5}}) {
      SCOPED_TRACE(param + " " + ::testing::PrintToString(shape));
      Context::set_random_seed(8);
      auto layer = Make(param);
      Blob bottom(shape), top;
      FillGaussian(&bottom, 1.f, 0.5f);
      test::GradientCheckOptions options;
      options.step = 1e-3f;
      CheckGradient(*layer, {&bottom}, {&top}, options);
    }
  }
}

TEST(MVNLayer, ScalarInputIsAnError) {
  Blob scalar(std::vector<int>{}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&scalar}, {&top}); }),
            "layer 'mvn' (MVN): needs an input with at least one axis (N x ...), got a scalar");
}

// ---- GPU -------------------------------------------------------------------

TEST(MVNLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpuForEach("name: 'mvn' type: 'MVN'", "mvn_param",
                                   {"", "across_channels: true", "normalize_variance: false", "eps: 0.01"},
                                   {{4, 3, 7, 9}, {2, 5, 1000}, {6, 4}});
}

TEST(MVNLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(8);
  auto layer = Make("");
  Blob bottom(std::vector<int>{2, 3, 2, 3}), top;
  FillGaussian(&bottom, 1.f, 0.5f);
  test::GradientCheckOptions options;
  options.step = 1e-3f;
  CheckGradient(*layer, {&bottom}, {&top}, options);
}

}  // namespace
}  // namespace cnn
