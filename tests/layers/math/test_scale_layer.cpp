#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/math/scale_layer.hpp"
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
  return LayerRegistry::Create(ParseLayer("name: 's' type: 'Scale' scale_param { " + param + " }"));
}


void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5f * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

const std::vector<float> kX = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};  // 2 x 3 x 2

TEST(ScaleLayer, DefaultsAreIdentityWithCaffesBlobOrder) {
  auto layer = Make("bias_term: true");
  Blob bottom(std::vector<int>{2, 3, 2}), top;
  FillValues(&bottom, kX);
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs().size(), 2u);  // scale, then bias
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{3}));
  EXPECT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{3}));
  EXPECT_EQ(DataOf(*layer->blobs()[0]), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(DataOf(*layer->blobs()[1]), (std::vector<float>{0, 0, 0}));
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), kX);
  EXPECT_EQ(Make("")->type(), std::string("Scale"));
}

TEST(ScaleLayer, KnownAnswerLearnedScaleAndBias) {
  auto layer = Make("bias_term: true");
  Blob bottom(std::vector<int>{2, 3, 2}), top;
  FillValues(&bottom, kX);
  layer->SetUp({&bottom}, {&top});
  FillValues(layer->blobs()[0].get(), {1, 2, 3});
  FillValues(layer->blobs()[1].get(), {10, 20, 30});
  layer->Forward({&bottom}, {&top});
  ExpectAllNear(DataOf(top), {11, 12, 26, 28, 45, 48, 9, 8, 14, 12, 15, 12});

  FillValues(&top, {1, 0, 0, 1, 1, 1, 2, 0, 0, 0, 0, 0});
  std::copy(top.cpu_data(), top.cpu_data() + top.count(), top.mutable_cpu_diff());
  for (auto& b : layer->blobs()) std::fill_n(b->mutable_cpu_diff(), b->count(), 0.f);
  layer->Backward({&top}, {true}, {&bottom});
  ExpectAllNear(DiffOf(bottom), {1, 0, 0, 2, 3, 3, 2, 0, 0, 0, 0, 0});
  ExpectAllNear(DiffOf(*layer->blobs()[0]), {1 - 2, 4, 5 + 6});  // sum dy * x per channel
  ExpectAllNear(DiffOf(*layer->blobs()[1]), {1 + 2, 1, 2});      // sum dy per channel
  // Parameter gradients accumulate.
  layer->Backward({&top}, {true}, {&bottom});
  ExpectAllNear(DiffOf(*layer->blobs()[1]), {6, 2, 4});
}

TEST(ScaleLayer, AxisAndNumAxesShapeTheScale) {
  Blob bottom(std::vector<int>{2, 3, 4, 5}), top;
  struct Case {
    std::string param;
    std::vector<int> shape;
  };
  for (const Case& c : {Case{"", {3}}, Case{"axis: 1 num_axes: 2", {3, 4}}, Case{"num_axes: -1", {3, 4, 5}},
                        Case{"axis: 0 num_axes: -1", {2, 3, 4, 5}}, Case{"axis: -1", {5}}, Case{"num_axes: 0", {}},
                        Case{"axis: 2 num_axes: 0", {}}}) {
    SCOPED_TRACE(c.param);
    auto layer = Make(c.param + " filler { type: 'gaussian' }");
    layer->SetUp({&bottom}, {&top});
    EXPECT_EQ(layer->blobs()[0]->shape(), c.shape);
  }
  // A scalar multiplies everything.
  auto scalar = Make("num_axes: 0");
  scalar->SetUp({&bottom}, {&top});
  FillValues(scalar->blobs()[0].get(), {-2});
  FillGaussian(&bottom);
  scalar->Forward({&bottom}, {&top});
  for (int i = 0; i < bottom.count(); ++i) EXPECT_EQ(top.cpu_data()[i], -2 * bottom.cpu_data()[i]);
}

TEST(ScaleLayer, SecondBottomIsTheScale) {
  auto layer = Make("axis: 0 bias_term: true");
  Blob x(std::vector<int>{2, 3, 2}), s(std::vector<int>{2, 3}), top;
  FillValues(&x, kX);
  FillValues(&s, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&x, &s}, {&top});
  // Only the bias is learned, so it is blobs[0] (as in Caffe).
  ASSERT_EQ(layer->blobs().size(), 1u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 3}));
  layer->Forward({&x, &s}, {&top});
  ExpectAllNear(DataOf(top), {1, 2, 6, 8, 15, 18, -4, -8, -15, -20, -30, -36});
  FillValues(&top, std::vector<float>(12, 1.f));
  std::copy(top.cpu_data(), top.cpu_data() + 12, top.mutable_cpu_diff());
  std::fill_n(s.mutable_cpu_diff(), 6, 99.f);  // overwritten, not added to
  layer->Backward({&top}, {true, true}, {&x, &s});
  ExpectAllNear(DiffOf(s), {3, 7, 11, -3, -7, -11});
  ExpectAllNear(DiffOf(x), {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6});
}

TEST(ScaleLayer, InPlaceMatchesOutOfPlace) {
  auto out = Make("bias_term: true filler { type: 'gaussian' } bias_filler { type: 'gaussian' }");
  auto in = Make("bias_term: true filler { type: 'gaussian' } bias_filler { type: 'gaussian' }");
  Blob x(std::vector<int>{3, 4, 5}), y, shared(std::vector<int>{3, 4, 5});
  FillGaussian(&x);
  shared.CopyFrom(x);
  Context::set_random_seed(3);  // the same scale and bias for both
  out->SetUp({&x}, {&y});
  Context::set_random_seed(3);
  in->SetUp({&shared}, {&shared});
  out->Forward({&x}, {&y});
  in->Forward({&shared}, {&shared});
  EXPECT_EQ(DataOf(shared), DataOf(y));
  FillGaussian(&y);
  std::copy(y.cpu_data(), y.cpu_data() + y.count(), y.mutable_cpu_diff());
  std::copy(y.cpu_data(), y.cpu_data() + y.count(), shared.mutable_cpu_diff());
  for (auto* l : {out.get(), in.get()})
    for (auto& b : l->blobs()) std::fill_n(b->mutable_cpu_diff(), b->count(), 0.f);
  out->Backward({&y}, {true}, {&x});
  in->Backward({&shared}, {true}, {&shared});
  ExpectAllNear(DiffOf(shared), DiffOf(x));
  for (int i = 0; i < 2; ++i) ExpectAllNear(DiffOf(*in->blobs()[i]), DiffOf(*out->blobs()[i]));
}

TEST(ScaleLayer, Gradient) {
  const char* const kFillers = " filler { type: 'gaussian' } bias_filler { type: 'gaussian' }";
  for (const std::string param : {"", "bias_term: true", "axis: 1 num_axes: 2 bias_term: true", "num_axes: 0",
                                  "num_axes: -1", "axis: -1"}) {
    SCOPED_TRACE(param);
    Context::set_random_seed(5);
    auto layer = Make(param + kFillers);
    Blob bottom(std::vector<int>{2, 3, 4}), top;
    FillGaussian(&bottom);
    CheckGradient(*layer, {&bottom}, {&top});
  }
  for (const std::string param : {"", "bias_term: true"}) {
    SCOPED_TRACE("two bottoms " + param);
    Context::set_random_seed(6);
    auto layer = Make(param + kFillers);
    Blob x(std::vector<int>{2, 3, 4}), s(std::vector<int>{3, 4}), top;
    FillGaussian(&x);
    FillGaussian(&s);
    CheckGradient(*layer, {&x, &s}, {&top});
  }
}

TEST(ScaleLayer, ShapeMismatchIsAnError) {
  Blob x(std::vector<int>{2, 3, 4}), s(std::vector<int>{4}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&x, &s}, {&top}); }),
            "layer 's' (Scale): scale of shape 4 (4) does not match input of shape 2 3 4 (24) from axis 1");
  Blob long_scale(std::vector<int>{3, 4, 1});
  EXPECT_EQ(test::ErrorOf([&] { Make("")->SetUp({&x, &long_scale}, {&top}); }),
            "layer 's' (Scale): scale of shape 3 4 1 (12) does not match input of shape 2 3 4 (24) from axis 1");
  EXPECT_EQ(test::ErrorOf([&] { Make("axis: 1 num_axes: 3")->SetUp({&x}, {&top}); }),
            "layer 's' (Scale): a scale of num_axes 3 from axis 1 runs past the input's shape 2 3 4 (24)");
  EXPECT_EQ(test::ErrorOf([&] { Make("axis: 3")->SetUp({&x}, {&top}); }),
            "layer 's' (Scale): axis 3 out of range for input of shape 2 3 4 (24)");
  EXPECT_EQ(test::ErrorOf([&] { Make("num_axes: -2")->SetUp({&x}, {&top}); }),
            "layer 's' (Scale): num_axes -2 must be non-negative, or -1 to extend to the end of the input");

  // Weights given with the layer must have the shape the input implies.
  LayerParameter p = ParseLayer("name: 's' type: 'Scale' scale_param { bias_term: true } "
                                "blobs { shape { dim: 3 } data: [1, 2, 3] } blobs { shape { dim: 2 } data: [0, 0] }");
  auto given = LayerRegistry::Create(p);
  EXPECT_EQ(test::ErrorOf([&] { given->SetUp({&x}, {&top}); }),
            "layer 's' (Scale): bias blob has shape 2 (2), expected 3 (3)");
}

// ---- GPU -------------------------------------------------------------------

TEST(ScaleLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string fillers = " filler { type: 'gaussian' } bias_filler { type: 'gaussian' }";
  struct Case {
    std::string param;
    std::vector<std::vector<int>> shapes;
  };
  const std::vector<Case> cases = {
      {"", {{4, 8, 5, 5}}},
      {"bias_term: true", {{4, 8, 5, 5}}},
      {"axis: 0 num_axes: -1 bias_term: true", {{3, 7, 9}}},
      {"num_axes: 0", {{5, 6}}},
      {"bias_term: true", {{6, 300}}},
      {"", {{4, 8, 5, 5}, {8, 5}}},
      {"axis: 0 bias_term: true", {{4, 8, 5, 5}, {4}}},
  };
  for (const auto& c : cases) {
    for (bool in_place : {false, true}) {
      SCOPED_TRACE(c.param + (in_place ? " in place" : "") + " " + ::testing::PrintToString(c.shapes));
      std::string text = "name: 's' type: 'Scale' bottom: 'x' ";
      if (c.shapes.size() > 1) text += "bottom: 'scale' ";
      text += in_place ? "top: 'x' " : "top: 'y' ";
      test::GpuCompareOptions options;
      options.in_place = in_place;
      test::ExpectGpuMatchesCpu(ParseLayer(text + "scale_param { " + c.param + fillers + " }"), c.shapes, options);
    }
  }
}

TEST(ScaleLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(6);
  auto layer = Make("bias_term: true filler { type: 'gaussian' } bias_filler { type: 'gaussian' }");
  Blob x(std::vector<int>{2, 3, 4}), s(std::vector<int>{3}), top;
  FillGaussian(&x);
  FillGaussian(&s);
  CheckGradient(*layer, {&x, &s}, {&top});
  auto learned = Make("num_axes: 2 bias_term: true filler { type: 'gaussian' } bias_filler { type: 'gaussian' }");
  CheckGradient(*learned, {&x}, {&top});
}

}  // namespace
}  // namespace cnn
