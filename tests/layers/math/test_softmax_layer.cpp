#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "prob" type: "Softmax" softmax_param { )" + param + " }"));
}


// Softmax of x along `axis`, computed one distribution at a time in double.
std::vector<float> Reference(const Blob& x, int axis) {
  const int outer = x.count(0, axis), C = x.shape(axis), inner = x.count(axis + 1);
  std::vector<float> out(x.count());
  for (int o = 0; o < outer; ++o) {
    for (int j = 0; j < inner; ++j) {
      double sum = 0;
      for (int c = 0; c < C; ++c) sum += std::exp(static_cast<double>(x.cpu_data()[(o * C + c) * inner + j]));
      for (int c = 0; c < C; ++c) {
        const int i = (o * C + c) * inner + j;
        out[i] = static_cast<float>(std::exp(static_cast<double>(x.cpu_data()[i])) / sum);
      }
    }
  }
  return out;
}

void ExpectSoftmax(const std::vector<int>& shape, const std::string& param, int axis) {
  Context::set_random_seed(1701);
  Blob x(shape), y;
  FillGaussian(&x, 2.f);
  auto layer = Make(param);
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  ASSERT_EQ(y.shape(), x.shape());
  const auto ref = Reference(x, axis);
  for (int i = 0; i < y.count(); ++i) EXPECT_NEAR(y.cpu_data()[i], ref[i], 1e-6) << "element " << i;
  // Every distribution sums to 1.
  const int outer = x.count(0, axis), C = x.shape(axis), inner = x.count(axis + 1);
  for (int o = 0; o < outer; ++o) {
    for (int j = 0; j < inner; ++j) {
      double sum = 0;
      for (int c = 0; c < C; ++c) sum += y.cpu_data()[(o * C + c) * inner + j];
      EXPECT_NEAR(sum, 1.0, 1e-5) << "distribution " << o << ", " << j;
    }
  }
}

TEST(SoftmaxLayer, ChannelAxisByDefault) { ExpectSoftmax({2, 5, 2, 3}, "", 1); }

TEST(SoftmaxLayer, OtherAxes) {
  ExpectSoftmax({2, 5, 2, 3}, "axis: 2", 2);
  ExpectSoftmax({2, 5, 2, 3}, "axis: -1", 3);
  ExpectSoftmax({4, 3}, "axis: 0", 0);
}

TEST(SoftmaxLayer, LargeInputsAreStable) {
  Blob x({1, 3}), y;
  FillValues(&x, {1000, 1001, 1002});
  auto layer = Make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  EXPECT_NEAR(y.cpu_data()[0], std::exp(-2.0) / z, 1e-6);
  EXPECT_NEAR(y.cpu_data()[1], std::exp(-1.0) / z, 1e-6);
  EXPECT_NEAR(y.cpu_data()[2], 1.0 / z, 1e-6);
}

TEST(SoftmaxLayer, GradientChannelAxis) {
  Context::set_random_seed(1702);
  Blob x(2, 4, 2, 3), y;
  FillGaussian(&x);
  auto layer = Make();
  CheckGradient(*layer, {&x}, {&y});
}

TEST(SoftmaxLayer, GradientLastAxis) {
  Context::set_random_seed(1703);
  Blob x({2, 3, 5}), y;
  FillGaussian(&x);
  auto layer = Make("axis: 2");
  CheckGradient(*layer, {&x}, {&y});
}

TEST(SoftmaxLayer, InPlace) {
  test::ExpectInPlaceMatchesSeparate([] { return Make(); }, {2, 4, 2, 3}, 1704);
}

TEST(SoftmaxLayer, AxisOutOfRangeThrows) {
  Blob x({2, 3}), y;
  try {
    Make("axis: 2")->SetUp({&x}, {&y});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'prob' (Softmax)"), std::string::npos) << e.what();
  }
}

// ---- GPU ------------------------------------------------------------------
// Two kernels: one thread per position when the axis after the softmax axis
// has extent > 1, one warp per position when it is 1 (classifier rows); the
// shapes below take both, with channel counts below, at and above a warp.
// The GPU sums in another order than the CPU, so values agree to rounding:
// tolerance 1e-5 (probabilities are at most 1).

LayerParameter GpuParam(const std::string& param = "") {
  return ParseLayer(R"(name: "prob" type: "Softmax" bottom: "x" top: "y" softmax_param { )" + param + " }");
}

test::GpuCompareOptions GpuOptions() {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  return opt;
}

TEST(SoftmaxLayerGpu, MatchesCpuChannelAxis) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 7, 5, 9}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam(), {{2, 45, 3, 1}}, GpuOptions());
}

TEST(SoftmaxLayerGpu, MatchesCpuClassifierRows) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{13, 37}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam(), {{7, 3}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam(), {{5, 32}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam(), {{9, 1000}}, GpuOptions());
  // One class: every probability is 1 and every gradient 0.
  test::ExpectGpuMatchesCpu(GpuParam(), {{6, 1}}, GpuOptions());
}

TEST(SoftmaxLayerGpu, MatchesCpuOtherAxes) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("axis: 0"), {{37, 3}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam("axis: 2"), {{3, 5, 7, 9}}, GpuOptions());
  test::ExpectGpuMatchesCpu(GpuParam("axis: -1"), {{3, 5, 50}}, GpuOptions());
}

TEST(SoftmaxLayerGpu, MatchesCpuInPlace) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = GpuOptions();
  opt.in_place = true;
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 7, 5, 9}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam(), {{11, 77}}, opt);
}

TEST(SoftmaxLayerGpu, MatchesCpuOnLargeInputs) {
  SKIP_WITHOUT_GPU();
  // Scores of a few hundred: exp() overflows unless the max is subtracted.
  test::GpuCompareOptions opt = GpuOptions();
  opt.fill = [](int, Blob* b) { FillGaussian(b, 200.f); };
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 7, 5, 9}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam(), {{13, 37}}, opt);
}

TEST(SoftmaxLayerGpu, LargeInputsAreStable) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob x({1, 3}), y;
  FillValues(&x, {1000, 1001, 1002});
  auto layer = Make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  EXPECT_NEAR(y.cpu_data()[0], std::exp(-2.0) / z, 1e-6);
  EXPECT_NEAR(y.cpu_data()[1], std::exp(-1.0) / z, 1e-6);
  EXPECT_NEAR(y.cpu_data()[2], 1.0 / z, 1e-6);
}

TEST(SoftmaxLayerGpu, GradientChannelAxis) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1702);
  Blob x(2, 4, 2, 3), y;
  FillGaussian(&x);
  auto layer = Make();
  CheckGradient(*layer, {&x}, {&y});
}

TEST(SoftmaxLayerGpu, GradientLastAxis) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1703);
  Blob x({2, 3, 5}), y;
  FillGaussian(&x);
  auto layer = Make("axis: 2");
  CheckGradient(*layer, {&x}, {&y});
}

}  // namespace
}  // namespace cnn
