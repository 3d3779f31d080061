#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/instance_norm_layer.hpp"
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
  return LayerRegistry::Create(ParseLayer("name: 'in' type: 'InstanceNorm' instance_norm_param { " + param + " }"));
}

void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5f * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

TEST(InstanceNormLayer, DefaultsAndKnownAnswer) {
  const InstanceNormParameter p;
  EXPECT_FLOAT_EQ(p.eps(), 1e-5f);
  EXPECT_FALSE(p.affine());  // as PyTorch's InstanceNorm2d

  // 2 x 2 x 2 x 1: each (example, channel) holds two values.
  Blob bottom(std::vector<int>{2, 2, 2, 1}), top;
  FillValues(&bottom, {0, 2, 1, 5, 3, 3, -4, 0});
  auto plain = Make("");
  plain->SetUp({&bottom}, {&top});
  EXPECT_TRUE(plain->blobs().empty());
  plain->Forward({&bottom}, {&top});
  // Deviations +-1 (variance 1), +-2 (4), 0 (0), +-2 (4).
  const float a = 1 / std::sqrt(1 + 1e-5f), b = 2 / std::sqrt(4 + 1e-5f);
  ExpectAllNear(DataOf(top), {-a, a, -b, b, 0, 0, -b, b});

  auto affine = Make("affine: true eps: 0.001");
  affine->SetUp({&bottom}, {&top});
  ASSERT_EQ(affine->blobs().size(), 2u);
  EXPECT_EQ(affine->blobs()[0]->shape(), (std::vector<int>{2}));  // per channel
  FillValues(affine->blobs()[0].get(), {2, -1});
  FillValues(affine->blobs()[1].get(), {0.5f, 1});
  affine->Forward({&bottom}, {&top});
  const float a3 = 1 / std::sqrt(1 + 0.001f), b3 = 2 / std::sqrt(4 + 0.001f);
  ExpectAllNear(DataOf(top), {-2 * a3 + 0.5f, 2 * a3 + 0.5f, b3 + 1, -b3 + 1, 0.5f, 0.5f, b3 + 1, -b3 + 1});
}

TEST(InstanceNormLayer, Gradient) {
  for (const std::string param : {"", "affine: true"}) {
    for (const std::vector<int>& shape : {std::vector<int>{2, 3, 2, 2}, std::vector<int>{2, 2, 5}}) {
      SCOPED_TRACE(param + " " + ::testing::PrintToString(shape));
      Context::set_random_seed(10);
      test::CheckGradientWithRandomBlobs(*Make(param), shape, SmallStep());
    }
  }
}

TEST(InstanceNormLayer, BadShapesAreErrors) {
  Blob flat(std::vector<int>{4, 3}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&flat}, {&top}); }),
            "layer 'in' (InstanceNorm): needs an input of shape N x C x spatial..., got shape 4 3 (12) (2 axis/axes)");
  auto layer = Make("affine: true");
  Blob bottom(std::vector<int>{2, 3, 4}), other(std::vector<int>{2, 5, 4});
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward({&other}, {&top}); }),
            "layer 'in' (InstanceNorm): input of shape 2 5 4 (40) does not fit gamma and beta of shape 3 (3)");
}

// ---- GPU -------------------------------------------------------------------

TEST(InstanceNormLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpuForEach("name: 'in' type: 'InstanceNorm'", "instance_norm_param",
                                   {"", "affine: true"},
                                   {{4, 3, 7, 9}, {2, 5, 1000}, {3, 4, 1}});
}

TEST(InstanceNormLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(10);
  test::CheckGradientWithRandomBlobs(*Make("affine: true"), {2, 3, 2, 2}, SmallStep());
}

}  // namespace
}  // namespace cnn
