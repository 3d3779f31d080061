#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/math/bias_layer.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer("name: 'b' type: 'Bias' bias_param { " + param + " }"));
}


TEST(BiasLayer, KnownAnswerLearnedBias) {
  auto layer = Make("");
  Blob bottom(std::vector<int>{2, 3, 2}), top;
  FillValues(&bottom, {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6});
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs().size(), 1u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{3}));
  EXPECT_EQ(DataOf(*layer->blobs()[0]), (std::vector<float>{0, 0, 0}));  // default filler: zeros
  FillValues(layer->blobs()[0].get(), {10, 20, 30});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{11, 12, 23, 24, 35, 36, 9, 8, 17, 16, 25, 24}));

  FillValues(&top, {1, 0, 0, 1, 1, 1, 2, 0, 0, 0, 0, 3});
  std::copy(top.cpu_data(), top.cpu_data() + top.count(), top.mutable_cpu_diff());
  std::fill_n(layer->blobs()[0]->mutable_cpu_diff(), 3, 1.f);  // accumulated into
  layer->Backward({&top}, {true}, {&bottom});
  EXPECT_EQ(DiffOf(bottom), DataOf(top));
  EXPECT_EQ(DiffOf(*layer->blobs()[0]), (std::vector<float>{1 + 3, 1 + 1, 1 + 5}));
}

TEST(BiasLayer, SecondBottomAndScalar) {
  auto layer = Make("axis: 1");
  Blob x(std::vector<int>{2, 2, 3}), b(std::vector<int>{2, 3}), top;
  FillValues(&x, std::vector<float>(12, 1.f));
  FillValues(&b, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&x, &b}, {&top});
  EXPECT_TRUE(layer->blobs().empty());
  layer->Forward({&x, &b}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7}));
  std::copy(x.cpu_data(), x.cpu_data() + 12, top.mutable_cpu_diff());
  std::fill_n(b.mutable_cpu_diff(), 6, 99.f);  // overwritten
  layer->Backward({&top}, {true, true}, {&x, &b});
  EXPECT_EQ(DiffOf(b), (std::vector<float>(6, 2.f)));

  auto scalar = Make("num_axes: 0 filler { type: 'constant' value: 0.5 }");
  scalar->SetUp({&x}, {&x});  // in place
  EXPECT_TRUE(scalar->blobs()[0]->shape().empty());
  scalar->Forward({&x}, {&x});
  EXPECT_EQ(DataOf(x), (std::vector<float>(12, 1.5f)));
}

TEST(BiasLayer, Gradient) {
  for (const std::string param : {"", "axis: 1 num_axes: 2", "num_axes: 0", "num_axes: -1", "axis: -1"}) {
    SCOPED_TRACE(param);
    Context::set_random_seed(5);
    auto layer = Make(param + " filler { type: 'gaussian' }");
    Blob bottom(std::vector<int>{2, 3, 4}), top;
    FillGaussian(&bottom);
    CheckGradient(*layer, {&bottom}, {&top});
  }
  Context::set_random_seed(6);
  auto layer = Make("axis: 0");
  Blob x(std::vector<int>{2, 3, 4}), b(std::vector<int>{2, 3}), top;
  FillGaussian(&x);
  FillGaussian(&b);
  CheckGradient(*layer, {&x, &b}, {&top});
}

TEST(BiasLayer, ShapeMismatchIsAnError) {
  Blob x(std::vector<int>{2, 3, 4}), b(std::vector<int>{4}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&x, &b}, {&top}); }),
            "layer 'b' (Bias): bias of shape 4 (4) does not match input of shape 2 3 4 (24) from axis 1");
  EXPECT_EQ(test::ErrorOf([&] { Make("axis: 2 num_axes: 2")->SetUp({&x}, {&top}); }),
            "layer 'b' (Bias): a bias of num_axes 2 from axis 2 runs past the input's shape 2 3 4 (24)");
}

// ---- GPU -------------------------------------------------------------------

TEST(BiasLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  struct Case {
    std::string param;
    std::vector<std::vector<int>> shapes;
  };
  const std::vector<Case> cases = {
      {"", {{4, 8, 5, 5}}}, {"num_axes: 0", {{5, 6}}}, {"num_axes: -1", {{3, 7, 9}}}, {"", {{4, 8, 5, 5}, {8, 5}}}};
  for (const auto& c : cases) {
    for (bool in_place : {false, true}) {
      SCOPED_TRACE(c.param + (in_place ? " in place" : ""));
      std::string text = "name: 'b' type: 'Bias' bottom: 'x' ";
      if (c.shapes.size() > 1) text += "bottom: 'bias' ";
      text += in_place ? "top: 'x' " : "top: 'y' ";
      test::GpuCompareOptions options;
      options.in_place = in_place;
      test::ExpectGpuMatchesCpu(ParseLayer(text + "bias_param { " + c.param + " filler { type: 'gaussian' } }"),
                                c.shapes, options);
    }
  }
}

TEST(BiasLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(6);
  auto layer = Make("filler { type: 'gaussian' }");
  Blob x(std::vector<int>{2, 3, 4}), top;
  FillGaussian(&x);
  CheckGradient(*layer, {&x}, {&top});
}

}  // namespace
}  // namespace cnn
