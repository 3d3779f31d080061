#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/layer_norm_layer.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

// The output is a normalised, coupled function of its inputs: a small step
// keeps the second-order terms of the differences down.
test::GradientCheckOptions SmallStep() {
  test::GradientCheckOptions options;
  options.step = 1e-3f;
  return options;
}

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer("name: 'ln' type: 'LayerNorm' layer_norm_param { " + param + " }"));
}

void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5f * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

TEST(LayerNormLayer, DefaultsAndKnownAnswer) {
  const LayerNormParameter p;
  EXPECT_EQ(p.axis(), 1);
  EXPECT_FLOAT_EQ(p.eps(), 1e-5f);
  EXPECT_TRUE(p.affine());

  auto layer = Make("eps: 0.001");
  Blob bottom(std::vector<int>{2, 3}), top;
  FillValues(&bottom, {1, 2, 3, 0, 0, 6});
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(DataOf(*layer->blobs()[0]), (std::vector<float>{1, 1, 1}));  // gamma
  EXPECT_EQ(DataOf(*layer->blobs()[1]), (std::vector<float>{0, 0, 0}));  // beta
  FillValues(layer->blobs()[0].get(), {1, 2, -1});
  FillValues(layer->blobs()[1].get(), {0, 1, 0});
  layer->Forward({&bottom}, {&top});
  // Row 0: mean 2, biased variance 2/3; row 1: mean 2, variance 8.
  const float r0 = 1 / std::sqrt(2.f / 3 + 0.001f), r1 = 1 / std::sqrt(8.f + 0.001f);
  ExpectAllNear(DataOf(top), {-r0, 1, -r0, -2 * r1, -4 * r1 + 1, -4 * r1});
}

TEST(LayerNormLayer, AxisSelectsTheNormalisedShape) {
  Blob bottom(std::vector<int>{2, 2, 3}), top;
  FillValues(&bottom, {1, 2, 3, 0, 0, 6, 4, 4, 4, -1, 1, 0});
  for (const std::string axis : {"axis: 2", "axis: -1"}) {
    SCOPED_TRACE(axis);
    auto layer = Make(axis + " affine: false");
    layer->SetUp({&bottom}, {&top});
    EXPECT_TRUE(layer->blobs().empty());
    layer->Forward({&bottom}, {&top});
    const float r0 = 1 / std::sqrt(2.f / 3 + 1e-5f), r1 = 1 / std::sqrt(8.f + 1e-5f);
    ExpectAllNear(DataOf(top), {-r0, 0, r0, -2 * r1, -2 * r1, 4 * r1, 0, 0, 0, -r0, r0, 0});
  }
  auto layer = Make("");
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 3}));  // one gamma per normalised value
}

TEST(LayerNormLayer, TheSameInTrainAndTest) {
  Blob bottom(std::vector<int>{3, 4, 2}), a, b;
  FillGaussian(&bottom);
  auto train = LayerRegistry::Create(ParseLayer("name: 'ln' type: 'LayerNorm' phase: TRAIN"));
  auto test_phase = LayerRegistry::Create(ParseLayer("name: 'ln' type: 'LayerNorm' phase: TEST"));
  train->SetUp({&bottom}, {&a});
  test_phase->SetUp({&bottom}, {&b});
  train->Forward({&bottom}, {&a});
  test_phase->Forward({&bottom}, {&b});
  EXPECT_EQ(DataOf(a), DataOf(b));
}

TEST(LayerNormLayer, Gradient) {
  for (const std::string param : {"", "axis: 2", "affine: false", "axis: -1"}) {
    SCOPED_TRACE(param);
    Context::set_random_seed(9);
    test::CheckGradientWithRandomBlobs(*Make(param), {2, 3, 4}, SmallStep());
  }
}

TEST(LayerNormLayer, BadShapesAreErrors) {
  Blob bottom(std::vector<int>{2, 3}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("axis: 2")->SetUp({&bottom}, {&top}); }),
            "layer 'ln' (LayerNorm): axis 2 out of range for input of shape 2 3 (6)");
  auto layer = Make("");
  layer->SetUp({&bottom}, {&top});
  Blob wider(std::vector<int>{2, 4});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward({&wider}, {&top}); }),
            "layer 'ln' (LayerNorm): input of shape 2 4 (8) does not fit gamma and beta of shape 3 (3)");
  EXPECT_EQ(test::ErrorOf([&] { Make("eps: -1")->SetUp({&bottom}, {&top}); }),
            "layer 'ln' (LayerNorm): eps must not be negative, got -1");
}

// ---- GPU -------------------------------------------------------------------

TEST(LayerNormLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpuForEach("name: 'ln' type: 'LayerNorm'", "layer_norm_param",
                                   {"", "axis: 2", "affine: false", "axis: -1"},
                                   {{4, 3, 7, 9}, {2, 5, 1000}});
}

TEST(LayerNormLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(9);
  test::CheckGradientWithRandomBlobs(*Make(""), {2, 3, 4}, SmallStep());
}

}  // namespace
}  // namespace cnn
