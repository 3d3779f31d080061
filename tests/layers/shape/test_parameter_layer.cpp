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
  return LayerRegistry::Create(ParseLayer(R"(name: "w" type: "Parameter" )" + param));
}

TEST(ParameterLayer, ExposesAZeroBlobOfTheGivenShapeAsTop) {
  auto layer = Make("parameter_param { shape { dim: 2 dim: 3 } }");
  Blob top;
  layer->SetUp({}, {&top});
  ASSERT_EQ(layer->blobs().size(), 1u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(layer->blobs()[0]->asum_data(), 0.f);
  layer->blobs()[0]->mutable_cpu_data()[4] = 5.f;
  layer->Forward({}, {&top});
  EXPECT_EQ(top.cpu_data()[4], 5.f);
  // The consumer's gradient is the parameter's.
  top.mutable_cpu_diff()[1] = -2.f;
  layer->Backward({&top}, {}, {});
  EXPECT_EQ(layer->blobs()[0]->cpu_diff()[1], -2.f);
}

TEST(ParameterLayer, NoShapeIsAScalar) {
  auto layer = Make("");
  Blob top;
  layer->SetUp({}, {&top});
  EXPECT_EQ(top.num_axes(), 0);
  EXPECT_EQ(top.count(), 1);
}

TEST(ParameterLayer, KeepsGivenWeightsAndChecksTheirShape) {
  LayerParameter p = ParseLayer(R"(name: "w" type: "Parameter" parameter_param { shape { dim: 2 } })");
  BlobProto* b = p.add_blobs();
  b->mutable_shape()->add_dim(2);
  b->add_data(1.5f);
  b->add_data(-1.f);
  auto layer = LayerRegistry::Create(p);
  Blob top;
  layer->SetUp({}, {&top});
  EXPECT_EQ(top.cpu_data()[0], 1.5f);
  EXPECT_EQ(top.cpu_data()[1], -1.f);

  p.mutable_parameter_param()->mutable_shape()->set_dim(0, 3);
  auto bad = LayerRegistry::Create(p);
  const std::string msg = ErrorOf([&] { bad->SetUp({}, {&top}); });
  EXPECT_NE(msg.find("layer 'w' (Parameter)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("parameter_param.shape is 3"), std::string::npos) << msg;
  Blob extra;
  EXPECT_THROW(Make("")->SetUp({&extra}, {&top}), Error);
  EXPECT_THROW(Make("parameter_param { shape { dim: -2 } }")->SetUp({}, {&top}), Error);
}

TEST(ParameterLayer, Gradient) {
  auto layer = Make("parameter_param { shape { dim: 2 dim: 2 dim: 3 } }");
  Blob top;
  Context::set_random_seed(1701);
  layer->SetUp({}, {&top});
  FillGaussian(layer->blobs()[0].get());
  CheckGradient(*layer, {}, {&top});
}

TEST(ParameterGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "w" type: "Parameter" top: "y" parameter_param { shape { dim: 3 dim: 5 } })"),
                            {}, opt);
}

TEST(ParameterGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("parameter_param { shape { dim: 4 dim: 3 } }");
  Blob top;
  Context::set_random_seed(1711);
  layer->SetUp({}, {&top});
  FillGaussian(layer->blobs()[0].get());
  CheckGradient(*layer, {}, {&top});
}

}  // namespace
}  // namespace cnn
