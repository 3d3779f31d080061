#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/math/inner_product_layer.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param, const std::string& name = "ip") {
  return LayerRegistry::Create(
      ParseLayer("name: '" + name + "' type: 'InnerProduct' inner_product_param { " + param + " }"));
}

const char* const kFillers =
    " weight_filler { type: 'gaussian' std: 1 } bias_filler { type: 'gaussian' std: 1 }";

TEST(InnerProductLayer, KnownAnswer) {
  auto layer = Make("num_output: 2");
  Blob bottom(2, 3, 1, 1), top;
  FillValues(&bottom, {1, 2, 3, 4, 5, 6});
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 3}));
  ASSERT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{2}));
  FillValues(layer->blobs()[0].get(), {1, 0, -1, 0.5f, 0.5f, 0.5f});
  FillValues(layer->blobs()[1].get(), {10, 20});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{1 - 3 + 10, 3 + 20, 4 - 6 + 10, 7.5f + 20}));
}

// y[m][n] = sum_k x[m][k] * W(n, k) + b[n] straight from the definition.
std::vector<float> Reference(const Blob& x, const Blob& w, const Blob* b, int batch, int k, int n,
                             bool transpose) {
  std::vector<float> y(static_cast<size_t>(batch) * n);
  for (int i = 0; i < batch; ++i)
    for (int o = 0; o < n; ++o) {
      double s = b ? b->cpu_data()[o] : 0.0;
      for (int j = 0; j < k; ++j)
        s += static_cast<double>(x.cpu_data()[i * k + j]) * w.cpu_data()[transpose ? j * n + o : o * k + j];
      y[i * n + o] = static_cast<float>(s);
    }
  return y;
}

void ExpectNear(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4 * std::max(1.f, std::fabs(b[i]))) << i;
}

TEST(InnerProductLayer, AxisFlattensTheTrailingAxes) {
  Context::set_random_seed(1);
  auto layer = Make(std::string("num_output: 4 axis: 2") + kFillers);
  Blob bottom(std::vector<int>{2, 3, 4, 5}), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4, 20}));
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 4}));
  ExpectNear(DataOf(top), Reference(bottom, *layer->blobs()[0], layer->blobs()[1].get(), 6, 20, 4, false));

  auto last = Make(std::string("num_output: 3 axis: -1") + kFillers);
  last->SetUp({&bottom}, {&top});
  last->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 4, 3}));
  ExpectNear(DataOf(top), Reference(bottom, *last->blobs()[0], last->blobs()[1].get(), 24, 5, 3, false));
}

TEST(InnerProductLayer, TransposeStoresInputByOutput) {
  Context::set_random_seed(2);
  auto layer = Make(std::string("num_output: 3 transpose: true bias_term: false") + kFillers);
  Blob bottom(4, 2, 3, 1), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(layer->blobs().size(), 1u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{6, 3}));
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{4, 3}));
  ExpectNear(DataOf(top), Reference(bottom, *layer->blobs()[0], nullptr, 4, 6, 3, true));
}

TEST(InnerProductLayer, Gradient) {
  struct Case {
    std::string param;
    std::vector<int> shape;
  };
  const std::vector<Case> cases = {
      {"num_output: 3", {2, 3, 2, 2}},
      {"num_output: 4 axis: 2", {2, 3, 2, 2}},
      {"num_output: 3 transpose: true", {3, 5}},
      {"num_output: 2 transpose: true axis: 2 bias_term: false", {2, 2, 3}},
      {"num_output: 5 bias_term: false", {3, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.param);
    Context::set_random_seed(7);
    auto layer = Make(c.param + kFillers);
    Blob bottom(c.shape), top;
    FillGaussian(&bottom);
    CheckGradient(*layer, {&bottom}, {&top});
  }
}

TEST(InnerProductLayer, InputSizeChangeIsAnError) {
  auto layer = Make("num_output: 10", "ip1");
  Blob bottom(2, 20, 5, 5), top;
  layer->SetUp({&bottom}, {&top});
  bottom.Reshape(7, 20, 5, 5);  // the batch may change
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{7, 10}));
  bottom.Reshape(2, 50, 4, 4);
  try {
    layer->Forward({&bottom}, {&top});
    FAIL() << "size change accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "layer 'ip1' (InnerProduct): input size 800 per example changed, weights expect 500");
  }
}

TEST(InnerProductLayer, InlineWeightsAreChecked) {
  LayerParameter p = ParseLayer("name: 'ip' type: 'InnerProduct' inner_product_param { num_output: 2 }");
  BlobProto* w = p.add_blobs();
  w->mutable_shape()->add_dim(2);
  w->mutable_shape()->add_dim(3);
  for (int i = 0; i < 6; ++i) w->add_data(static_cast<float>(i));
  BlobProto* b = p.add_blobs();
  b->mutable_shape()->add_dim(2);
  b->add_data(1);
  b->add_data(-1);
  Blob bottom(1, 3, 1, 1), top;
  FillValues(&bottom, {1, 1, 1});
  auto layer = LayerRegistry::Create(p);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{0 + 1 + 2 + 1, 3 + 4 + 5 - 1}));

  Blob wide(1, 4, 1, 1);
  auto mismatched = LayerRegistry::Create(p);
  try {
    mismatched->SetUp({&wide}, {&top});
    FAIL() << "weights for 3 inputs accepted for 4";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'ip' (InnerProduct): weights have shape 2 3"),
              std::string::npos)
        << e.what();
  }
  p.mutable_inner_product_param()->set_bias_term(false);
  auto extra = LayerRegistry::Create(p);
  EXPECT_THROW(extra->SetUp({&bottom}, {&top}), Error);
}

TEST(InnerProductLayer, MissingNumOutputIsAnError) {
  auto layer = Make("axis: 1");
  Blob bottom(std::vector<int>{1, 3}), top;
  EXPECT_THROW(layer->SetUp({&bottom}, {&top}), Error);
}

// ---- GPU -------------------------------------------------------------------
// Tolerance 1e-4 relative (absolute below 1): cuBLAS adds the K products in a
// different order from OpenBLAS.

struct GpuCase {
  std::string param;
  std::vector<int> shape;
};

const std::vector<GpuCase>& GpuCases() {
  static const std::vector<GpuCase> cases = {
      {"num_output: 7", {5, 3, 4, 3}},
      {"num_output: 4 axis: 2", {2, 3, 5, 3}},
      {"num_output: 3 axis: -1", {3, 2, 7}},
      {"num_output: 9 transpose: true", {5, 13}},
      {"num_output: 2 transpose: true axis: 2 bias_term: false", {2, 3, 3, 5}},
      {"num_output: 5 bias_term: false", {3, 11}},
      {"num_output: 37", {1, 61}},  // a single example
  };
  return cases;
}

TEST(InnerProductLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions options;
  options.tolerance = 1e-4f;
  for (const auto& c : GpuCases()) {
    SCOPED_TRACE(c.param);
    test::ExpectGpuMatchesCpu(
        ParseLayer("name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { " + c.param +
                   kFillers + " }"),
        {c.shape}, options);
  }
}

TEST(InnerProductLayerGpu, MatchesCpuLargerProduct) {
  SKIP_WITHOUT_GPU();
  // Large enough for cuBLAS to split the work (and K to be long): 300 terms.
  test::GpuCompareOptions options;
  options.tolerance = 1e-4f;
  test::ExpectGpuMatchesCpu(ParseLayer("name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { "
                                       "num_output: 129 weight_filler { type: 'gaussian' std: 0.1 } "
                                       "bias_filler { type: 'gaussian' std: 1 } }"),
                            {{67, 3, 10, 10}}, options);
}

TEST(InnerProductLayerGpu, ParameterGradientsAccumulate) {
  SKIP_WITHOUT_GPU();
  // Backward adds into the parameter diffs (two passes give twice one pass)
  // and overwrites the bottom diff.
  for (const std::string param : {"num_output: 6", "num_output: 6 transpose: true"}) {
    SCOPED_TRACE(param);
    Context::set_random_seed(11);
    auto layer = Make(param + kFillers);
    Blob bottom(std::vector<int>{5, 7}), top;
    FillGaussian(&bottom);
    test::ScopedGpuMode gpu;
    layer->SetUp({&bottom}, {&top});
    layer->Forward({&bottom}, {&top});
    FillGaussian(&top);
    std::copy(top.cpu_data(), top.cpu_data() + top.count(), top.mutable_cpu_diff());
    for (auto& p : layer->blobs()) std::fill_n(p->mutable_cpu_diff(), p->count(), 0.f);
    layer->Backward({&top}, {true}, {&bottom});
    std::vector<std::vector<float>> once;
    for (auto& p : layer->blobs()) once.emplace_back(p->cpu_diff(), p->cpu_diff() + p->count());
    const std::vector<float> dx_once(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count());
    layer->Backward({&top}, {true}, {&bottom});
    for (size_t i = 0; i < once.size(); ++i) {
      std::vector<float> twice = once[i];
      for (float& v : twice) v *= 2.f;
      const Blob& p = *layer->blobs()[i];
      ExpectNear(std::vector<float>(p.cpu_diff(), p.cpu_diff() + p.count()), twice);
    }
    ExpectNear(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count()), dx_once);
  }
}

TEST(InnerProductLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  for (const auto& c : GpuCases()) {
    SCOPED_TRACE(c.param);
    Context::set_random_seed(7);
    auto layer = Make(c.param + kFillers);
    Blob bottom(c.shape), top;
    FillGaussian(&bottom);
    test::ScopedGpuMode gpu;
    CheckGradient(*layer, {&bottom}, {&top});
  }
}

}  // namespace
}  // namespace cnn
