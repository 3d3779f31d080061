#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/group_norm_layer.hpp"
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
  return LayerRegistry::Create(ParseLayer("name: 'gn' type: 'GroupNorm' group_norm_param { " + param + " }"));
}

void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected, float tol = 1e-5f) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

TEST(GroupNormLayer, DefaultsAndKnownAnswer) {
  const GroupNormParameter p;
  EXPECT_FLOAT_EQ(p.eps(), 1e-5f);
  EXPECT_TRUE(p.affine());

  // 1 x 4: groups {1, 3} (mean 2, variance 1) and {5, 9} (mean 7, variance 4).
  auto layer = Make("num_groups: 2 eps: 0.001");
  Blob bottom(std::vector<int>{1, 4}), top;
  FillValues(&bottom, {1, 3, 5, 9});
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4}));  // per channel
  EXPECT_EQ(DataOf(*layer->blobs()[0]), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(DataOf(*layer->blobs()[1]), (std::vector<float>{0, 0, 0, 0}));
  FillValues(layer->blobs()[0].get(), {1, 2, 3, 4});
  FillValues(layer->blobs()[1].get(), {0, 0, 0, 1});
  layer->Forward({&bottom}, {&top});
  const float a = 1 / std::sqrt(1 + 0.001f), b = 2 / std::sqrt(4 + 0.001f);
  ExpectAllNear(DataOf(top), {-a, 2 * a, -3 * b, 4 * b + 1});
}

TEST(GroupNormLayer, SpatialValuesJoinTheirChannelsGroup) {
  // 1 x 4 x 2, two groups of two channels: {0, 1, 2, 3} and {4, 4, 4, 8}.
  auto layer = Make("num_groups: 2 affine: false");
  Blob bottom(std::vector<int>{1, 4, 2}), top;
  FillValues(&bottom, {0, 1, 2, 3, 4, 4, 4, 8});
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const float r0 = 1 / std::sqrt(1.25f + 1e-5f), r1 = 1 / std::sqrt(3.f + 1e-5f);
  ExpectAllNear(DataOf(top), {-1.5f * r0, -0.5f * r0, 0.5f * r0, 1.5f * r0, -r1, -r1, -r1, 3 * r1});
}

TEST(GroupNormLayer, ExtremeGroupCountsAreInstanceAndLayerNorm) {
  Context::set_random_seed(11);
  Blob bottom(std::vector<int>{3, 4, 2, 3}), gn_top, other_top;
  FillGaussian(&bottom, 2.f, 1.f);
  auto per_channel = Make("num_groups: 4");
  auto instance = LayerRegistry::Create(
      ParseLayer("name: 'in' type: 'InstanceNorm' instance_norm_param { affine: true }"));
  per_channel->SetUp({&bottom}, {&gn_top});
  instance->SetUp({&bottom}, {&other_top});
  FillValues(per_channel->blobs()[0].get(), {1, 2, 3, 4});
  FillValues(instance->blobs()[0].get(), {1, 2, 3, 4});
  per_channel->Forward({&bottom}, {&gn_top});
  instance->Forward({&bottom}, {&other_top});
  ExpectAllNear(DataOf(gn_top), DataOf(other_top));

  auto one_group = Make("num_groups: 1 affine: false");
  auto layer_norm = LayerRegistry::Create(
      ParseLayer("name: 'ln' type: 'LayerNorm' layer_norm_param { affine: false }"));
  one_group->SetUp({&bottom}, {&gn_top});
  layer_norm->SetUp({&bottom}, {&other_top});
  one_group->Forward({&bottom}, {&gn_top});
  layer_norm->Forward({&bottom}, {&other_top});
  ExpectAllNear(DataOf(gn_top), DataOf(other_top));
}

TEST(GroupNormLayer, Gradient) {
  for (const std::string param : {"num_groups: 2", "num_groups: 3 affine: false", "num_groups: 1", "num_groups: 6"}) {
    for (const std::vector<int>& shape : {std::vector<int>{2, 6, 2, 2}, std::vector<int>{3, 6}}) {
      SCOPED_TRACE(param + " " + ::testing::PrintToString(shape));
      Context::set_random_seed(12);
      test::CheckGradientWithRandomBlobs(*Make(param), shape, SmallStep());
    }
  }
}

TEST(GroupNormLayer, BadParametersAreErrors) {
  Blob bottom(std::vector<int>{2, 6, 3, 3}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("num_groups: 4")->SetUp({&bottom}, {&top}); }),
            "layer 'gn' (GroupNorm): num_groups 4 does not divide the 6 channels of input shape 2 6 3 3 (108)");
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&bottom}, {&top}); }),
            "layer 'gn' (GroupNorm): needs a positive num_groups");
  EXPECT_EQ(test::ErrorOf([&] { Make("num_groups: 0")->SetUp({&bottom}, {&top}); }),
            "layer 'gn' (GroupNorm): needs a positive num_groups");
  Blob one_d(std::vector<int>{6});
  EXPECT_EQ(test::ErrorOf([&] { Make("num_groups: 2")->SetUp({&one_d}, {&top}); }),
            "layer 'gn' (GroupNorm): needs an input of shape N x C (x spatial...), got shape 6 (6) (1 axis/axes)");
  // The channel count may not change under a set-up layer either.
  auto layer = Make("num_groups: 3 affine: false");
  layer->SetUp({&bottom}, {&top});
  Blob other(std::vector<int>{2, 4, 3, 3});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward({&other}, {&top}); }),
            "layer 'gn' (GroupNorm): num_groups 3 does not divide the 4 channels of input shape 2 4 3 3 (72)");
}

// ---- GPU -------------------------------------------------------------------

TEST(GroupNormLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpuForEach("name: 'gn' type: 'GroupNorm'", "group_norm_param",
                                   {"num_groups: 4", "num_groups: 2 affine: false", "num_groups: 1", "num_groups: 8"},
                                   {{4, 8, 7, 9}, {2, 8, 1000}, {5, 8}});
}

TEST(GroupNormLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(12);
  test::CheckGradientWithRandomBlobs(*Make("num_groups: 2"), {2, 6, 2, 2}, SmallStep());
}

}  // namespace
}  // namespace cnn
