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
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& extra = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "l2" type: "EuclideanLoss" )" + extra));
}

using test::DiffOf;

TEST(EuclideanLossLayer, KnownAnswer) {
  Blob a({2, 2}), b({2, 2}), loss;
  FillValues(&a, {1, 2, 3, 4});
  FillValues(&b, {0, 2, 5, 1});
  auto layer = Make();
  EXPECT_TRUE(layer->IsLossLayer());
  layer->SetUp({&a, &b}, {&loss});
  const float weighted = layer->Forward({&a, &b}, {&loss});
  EXPECT_EQ(loss.num_axes(), 0);
  // (1 + 0 + 4 + 9) / (2 * 2)
  EXPECT_FLOAT_EQ(loss.cpu_data()[0], 3.5f);
  EXPECT_FLOAT_EQ(weighted, 3.5f);
  layer->Backward({&loss}, {true, true}, {&a, &b});
  EXPECT_EQ(DiffOf(a), (std::vector<float>{0.5f, 0, -1, 1.5f}));
  EXPECT_EQ(DiffOf(b), (std::vector<float>{-0.5f, 0, 1, -1.5f}));
}

TEST(EuclideanLossLayer, LossWeightScalesLossAndGradient) {
  Blob a({2, 2}), b({2, 2}), loss;
  FillValues(&a, {1, 2, 3, 4});
  FillValues(&b, {0, 2, 5, 1});
  auto layer = Make("loss_weight: 3");
  layer->SetUp({&a, &b}, {&loss});
  EXPECT_FLOAT_EQ(layer->Forward({&a, &b}, {&loss}), 10.5f);
  EXPECT_FLOAT_EQ(loss.cpu_data()[0], 3.5f);
  b.mutable_cpu_diff()[0] = 42.f;
  layer->Backward({&loss}, {true, false}, {&a, &b});
  EXPECT_EQ(DiffOf(a), (std::vector<float>{1.5f, 0, -3, 4.5f}));
  EXPECT_EQ(b.cpu_diff()[0], 42.f);
}

TEST(EuclideanLossLayer, Gradient) {
  Context::set_random_seed(1701);
  Blob a({3, 2, 4}), b({3, 2, 4}), loss;
  FillGaussian(&a);
  FillGaussian(&b);
  auto layer = Make();
  CheckGradient(*layer, {&a, &b}, {&loss});
}

TEST(EuclideanLossLayer, SizeMismatchThrows) {
  Blob a({2, 3}), b({2, 4}), loss;
  try {
    Make()->SetUp({&a, &b}, {&loss});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'l2' (EuclideanLoss)"), std::string::npos) << e.what();
  }
}

// ---- GPU ------------------------------------------------------------------
// The sum of squares is accumulated in double on both devices, in another
// order: tolerance 1e-5 (relative on the loss, absolute on the gradients).

LayerParameter GpuParam(const std::string& extra = "") {
  return ParseLayer(R"(name: "l2" type: "EuclideanLoss" bottom: "a" bottom: "b" top: "loss" )" + extra);
}

test::GpuCompareOptions GpuOptions() {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  return opt;
}

TEST(EuclideanLossLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{7, 3, 5}, {7, 3, 5}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 1}, {3, 1}}, GpuOptions());
  // Enough elements for many partial sums.
  test::ExpectGpuMatchesCpu(GpuParam(), {{33, 4097}, {33, 4097}}, GpuOptions());
  // Same count and first dimension, different shapes.
  test::ExpectGpuMatchesCpu(GpuParam(), {{5, 6, 7}, {5, 42}}, GpuOptions());
}

TEST(EuclideanLossLayerGpu, MatchesCpuWithLossWeightAndOneBottom) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("loss_weight: 3"), {{7, 3, 5}, {7, 3, 5}}, GpuOptions());
  test::GpuCompareOptions opt = GpuOptions();
  opt.propagate_down = {false, true};
  test::ExpectGpuMatchesCpu(GpuParam("loss_weight: 0.5"), {{7, 3, 5}, {7, 3, 5}}, opt);
  opt.propagate_down = {true, false};
  test::ExpectGpuMatchesCpu(GpuParam(), {{7, 3, 5}, {7, 3, 5}}, opt);
}

TEST(EuclideanLossLayerGpu, KnownAnswer) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob a({2, 2}), b({2, 2}), loss;
  FillValues(&a, {1, 2, 3, 4});
  FillValues(&b, {0, 2, 5, 1});
  auto layer = Make("loss_weight: 3");
  layer->SetUp({&a, &b}, {&loss});
  EXPECT_FLOAT_EQ(layer->Forward({&a, &b}, {&loss}), 10.5f);
  EXPECT_FLOAT_EQ(loss.cpu_data()[0], 3.5f);
  b.mutable_cpu_diff()[0] = 42.f;
  layer->Backward({&loss}, {true, false}, {&a, &b});
  EXPECT_EQ(DiffOf(a), (std::vector<float>{1.5f, 0, -3, 4.5f}));
  EXPECT_EQ(b.cpu_diff()[0], 42.f);
  layer->Backward({&loss}, {true, true}, {&a, &b});
  EXPECT_EQ(DiffOf(b), (std::vector<float>{-1.5f, 0, 3, -4.5f}));
}

TEST(EuclideanLossLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1701);
  Blob a({3, 2, 4}), b({3, 2, 4}), loss;
  FillGaussian(&a);
  FillGaussian(&b);
  auto layer = Make();
  CheckGradient(*layer, {&a, &b}, {&loss});
}

}  // namespace
}  // namespace cnn
