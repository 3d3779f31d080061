#include <gtest/gtest.h>

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
using test::FillGaussian;
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& extra = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "SigmoidCrossEntropyLoss" )" + extra));
}

// Scores (N=2, 3 elements each) and targets; 255 marks the ignored one.
struct Inputs {
  Blob x{std::vector<int>{2, 3}};
  Blob t{std::vector<int>{2, 3}};
  Inputs() {
    FillValues(&x, {0.f, 2.f, -1.f, 30.f, -40.f, 0.5f});
    FillValues(&t, {1.f, 0.f, 0.25f, 255.f, 0.f, 1.f});
  }
  BlobVec bottom() { return {&x, &t}; }
};

// -[t log s + (1 - t) log(1 - s)] in double, from its definition.
double Reference(double x, double t) {
  const double s = 1.0 / (1.0 + std::exp(-x));
  const double log_s = x < -30 ? x : std::log(s), log_1s = x > 30 ? -x : std::log(1 - s);
  return -(t * log_s + (1 - t) * log_1s);
}

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  const float weighted = layer->Forward(in.bottom(), {&loss});
  EXPECT_EQ(loss.num_axes(), 0);
  EXPECT_FLOAT_EQ(weighted, loss.cpu_data()[0]);
  return loss.cpu_data()[0];
}

TEST(SigmoidCrossEntropyLossLayer, KnownValuesAndEachNormalization) {
  Inputs in;
  double valid_sum = 0, all_sum = 0;
  const float* x = in.x.cpu_data();
  const float* t = in.t.cpu_data();
  for (int i = 0; i < 6; ++i) {
    if (i != 3) valid_sum += Reference(x[i], t[i]);
  }
  // Element 3 with target 0 instead of 255: x = 30 costs 30 (to ~1e-13).
  all_sum = valid_sum + 30.0;
  // By hand: x=0,t=1: log 2; x=2,t=0: 2 + log(1+e^-2); x=-1,t=.25: .25 + log(1+e^-1);
  // x=-40,t=0: ~0; x=.5,t=1: log(1+e^-.5).
  const double by_hand = std::log(2.0) + 2 + std::log1p(std::exp(-2.0)) + 0.25 + std::log1p(std::exp(-1.0)) +
                         std::log1p(std::exp(-40.0)) + std::log1p(std::exp(-0.5));
  ASSERT_NEAR(valid_sum, by_hand, 1e-9);
  const std::string ignore = "loss_param { ignore_label: 255 ";
  // Caffe's default for this layer is BATCH_SIZE (N = 2), not VALID.
  EXPECT_NEAR(ForwardLoss(ignore + "}", in), valid_sum / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: VALID }", in), valid_sum / 5, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: FULL }", in), valid_sum / 6, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: BATCH_SIZE }", in), valid_sum / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: NONE }", in), valid_sum, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: true }", in), valid_sum / 5, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: false }", in), valid_sum / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: true normalization: NONE }", in), valid_sum, 1e-5);
  in.t.mutable_cpu_data()[3] = 0.f;
  EXPECT_NEAR(ForwardLoss("", in), all_sum / 2, 1e-4);
}

TEST(SigmoidCrossEntropyLossLayer, LargeScoresStayFinite) {
  Blob x(std::vector<int>{1, 4}), t(std::vector<int>{1, 4});
  FillValues(&x, {100.f, -100.f, 100.f, -100.f});
  FillValues(&t, {1.f, 0.f, 0.f, 1.f});
  auto layer = Make();
  Blob loss;
  layer->SetUp({&x, &t}, {&loss});
  EXPECT_NEAR(layer->Forward({&x, &t}, {&loss}), 200.f, 1e-3);
}

TEST(SigmoidCrossEntropyLossLayer, GradientIsSigmoidMinusTarget) {
  Inputs in;
  auto layer = Make("loss_param { ignore_label: 255 normalization: VALID } loss_weight: 3");
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  layer->Backward({&loss}, {true, false}, in.bottom());
  for (int i = 0; i < 6; ++i) {
    const double x = in.x.cpu_data()[i], t = in.t.cpu_data()[i];
    const double expected = i == 3 ? 0.0 : 3.0 * (1.0 / (1.0 + std::exp(-x)) - t) / 5.0;
    EXPECT_NEAR(in.x.cpu_diff()[i], expected, 1e-6) << i;
  }
}

TEST(SigmoidCrossEntropyLossLayer, GradientCheckEachNormalization) {
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    Context::set_random_seed(1701);
    Blob x({3, 2, 2}), t({3, 2, 2});
    FillGaussian(&x, 2.f);
    test::FillUniform(&t, 0.f, 1.f);
    t.mutable_cpu_data()[5] = 255.f;
    auto layer = Make(std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }");
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0};
    CheckGradient(*layer, {&x, &t}, {&loss}, opt);
  }
}

TEST(SigmoidCrossEntropyLossLayer, BadShapesAndBackwardToTargets) {
  Blob x({2, 3}), t({3, 2}), t2({2, 4}), loss;
  const std::string msg = test::ErrorOf([&] { Make()->SetUp({&x, &t}, {&loss}); });
  EXPECT_NE(msg.find("layer 'loss' (SigmoidCrossEntropyLoss): scores and targets need the same first dimension"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("2 3"), std::string::npos) << msg;
  EXPECT_THROW(Make()->SetUp({&x, &t2}, {&loss}), Error);
  Inputs in;
  auto layer = Make();
  EXPECT_FALSE(layer->AllowForceBackward(1));
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  EXPECT_THROW(layer->Backward({&loss}, {true, true}, in.bottom()), Error);
}

// ---- GPU ------------------------------------------------------------------

LayerParameter GpuParam(const std::string& extra) {
  return ParseLayer(R"(name: "loss" type: "SigmoidCrossEntropyLoss" bottom: "x" bottom: "t" top: "loss" )" + extra);
}

test::GpuCompareOptions GpuOptions() {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, false};
  opt.fill = [](int index, Blob* b) {
    if (index == 0) {
      FillGaussian(b, 3.f);
      return;
    }
    test::FillUniform(b, 0.f, 1.f);
    // Every 7th target ignored.
    for (int i = 0; i < b->count(); i += 7) b->mutable_cpu_data()[i] = 255.f;
  };
  return opt;
}

TEST(SigmoidCrossEntropyLossLayerGpu, MatchesCpuEachNormalization) {
  SKIP_WITHOUT_GPU();
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    const std::string extra = std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }";
    test::ExpectGpuMatchesCpu(GpuParam(extra), {{5, 7, 3, 11}, {5, 7, 3, 11}}, GpuOptions());
    test::ExpectGpuMatchesCpu(GpuParam(extra + " loss_weight: 2.5"), {{300, 1000}, {300, 1000}}, GpuOptions());
  }
  test::ExpectGpuMatchesCpu(GpuParam(""), {{4, 9}, {4, 9}}, GpuOptions());
}

TEST(SigmoidCrossEntropyLossLayerGpu, GradientCheck) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1701);
  Blob x({3, 2, 2}), t({3, 2, 2});
  FillGaussian(&x, 2.f);
  test::FillUniform(&t, 0.f, 1.f);
  t.mutable_cpu_data()[5] = 255.f;
  auto layer = Make("loss_param { ignore_label: 255 normalization: VALID }");
  Blob loss;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&x, &t}, {&loss}, opt);
}

}  // namespace
}  // namespace cnn
