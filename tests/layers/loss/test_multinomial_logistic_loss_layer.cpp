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
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& extra = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "MultinomialLogisticLoss" )" + extra));
}

// Four items of three class probabilities (Caffe's 4-D layout); the third
// item's labelled probability is 0, the fourth item is labelled 255.
struct Inputs {
  Blob p{4, 3, 1, 1};
  Blob labels{4, 1, 1, 1};
  Inputs() {
    FillValues(&p, {0.1f, 0.7f, 0.2f, 0.5f, 0.25f, 0.25f, 0.f, 1.f, 0.f, 0.3f, 0.3f, 0.4f});
    FillValues(&labels, {1, 0, 2, 255});
  }
  BlobVec bottom() { return {&p, &labels}; }
};

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  return layer->Forward(in.bottom(), {&loss});
}

TEST(MultinomialLogisticLossLayer, KnownValuesWithTheLogFloor) {
  Inputs in;
  // -log 0.7 - log 0.5 - log 1e-20 (the floor) over the three counted items.
  const double summed = -std::log(0.7) - std::log(0.5) + 20 * std::log(10.0);
  const std::string ignore = "loss_param { ignore_label: 255 ";
  EXPECT_NEAR(ForwardLoss(ignore + "}", in), summed / 4, 1e-5);  // BATCH_SIZE: Caffe's N
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: VALID }", in), summed / 3, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: FULL }", in), summed / 4, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: NONE }", in), summed, 1e-4);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: true }", in), summed / 3, 1e-5);
  in.labels.mutable_cpu_data()[3] = 2;
  EXPECT_NEAR(ForwardLoss("", in), (summed - std::log(0.4)) / 4, 1e-5);
}

TEST(MultinomialLogisticLossLayer, GradientIsMinusOneOverP) {
  Inputs in;
  auto layer = Make("loss_param { ignore_label: 255 } loss_weight: 2");
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  layer->Backward({&loss}, {true, false}, in.bottom());
  std::vector<float> expected(12, 0.f);
  expected[1] = -2.f / 4 / 0.7f;
  expected[3] = -2.f / 4 / 0.5f;
  expected[8] = -2.f / 4 / 1e-20f;  // the floor again, as in Caffe
  for (int i = 0; i < 12; ++i)
    EXPECT_NEAR(in.p.cpu_diff()[i], expected[i], 1e-6 * std::max(1.f, std::fabs(expected[i]))) << i;
}

TEST(MultinomialLogisticLossLayer, GradientCheck) {
  for (const char* extra : {"loss_param { ignore_label: 4 }", "loss_param { ignore_label: 4 normalization: VALID }",
                            "loss_param { ignore_label: 4 normalization: NONE }"}) {
    SCOPED_TRACE(extra);
    Context::set_random_seed(1701);
    Blob p({5, 4}), labels({5});
    test::FillUniform(&p, 0.2f, 1.f);
    FillValues(&labels, {0, 3, 1, 4, 2});
    auto layer = Make(extra);
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0};
    opt.step = 1e-3f;
    CheckGradient(*layer, {&p, &labels}, {&loss}, opt);
  }
}

TEST(MultinomialLogisticLossLayer, BadInputs) {
  Inputs in;
  Blob loss;
  FillValues(&in.labels, {1, 3, 2, 0});
  auto layer = Make();
  layer->SetUp(in.bottom(), {&loss});
  const std::string msg = test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("layer 'loss' (MultinomialLogisticLoss): label 3 of item 1 is outside [0, 3)"),
            std::string::npos)
      << msg;
  FillValues(&in.labels, {1, -1, 2, 0});
  EXPECT_THROW(layer->Forward(in.bottom(), {&loss}), Error);
  Blob p({4, 3}), wrong({4, 2}), fewer({3});
  const std::string shape = test::ErrorOf([&] { Make()->SetUp({&p, &wrong}, {&loss}); });
  EXPECT_NE(shape.find("needs one label per item: probabilities 4 3"), std::string::npos) << shape;
  EXPECT_THROW(Make()->SetUp({&p, &fewer}, {&loss}), Error);
  EXPECT_FALSE(Make()->AllowForceBackward(1));
}

// ---- GPU ------------------------------------------------------------------

LayerParameter GpuParam(const std::string& extra) {
  return ParseLayer(R"(name: "loss" type: "MultinomialLogisticLoss" bottom: "p" bottom: "l" top: "loss" )" + extra);
}

test::GpuCompareOptions GpuOptions(int classes) {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, false};
  opt.fill = [classes](int index, Blob* b) {
    if (index == 0) {
      test::FillUniform(b, 0.05f, 1.f);
      b->mutable_cpu_data()[0] = 0.f;  // floored
      return;
    }
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = i % 5 == 4 ? 255.f : static_cast<float>(Context::rng()() % classes);
  };
  return opt;
}

TEST(MultinomialLogisticLossLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (const char* extra : {"", "loss_param { ignore_label: 255 normalization: VALID }",
                            "loss_param { ignore_label: 255 normalization: NONE } loss_weight: 0.5"}) {
    SCOPED_TRACE(extra);
    auto opt = GpuOptions(6);
    if (extra[0] == 0) {
      opt.fill = [](int index, Blob* b) {
        if (index == 0) test::FillUniform(b, 0.05f, 1.f);
        else for (int i = 0; i < b->count(); ++i) b->mutable_cpu_data()[i] = static_cast<float>(i % 6);
      };
    }
    test::ExpectGpuMatchesCpu(GpuParam(extra), {{9, 6, 1, 1}, {9, 1, 1, 1}}, opt);
    test::ExpectGpuMatchesCpu(GpuParam(extra), {{700, 6}, {700}}, opt);
  }
}

TEST(MultinomialLogisticLossLayerGpu, BadLabelThrowsTheCpuError) {
  SKIP_WITHOUT_GPU();
  Inputs in;
  FillValues(&in.labels, {1, 2, 7, 3});
  Blob loss;
  auto cpu = Make();
  cpu->SetUp(in.bottom(), {&loss});
  const std::string expected = test::ErrorOf([&] { cpu->Forward(in.bottom(), {&loss}); });
  test::ScopedGpuMode gpu;
  auto layer = Make();
  layer->SetUp(in.bottom(), {&loss});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); }), expected);
}

TEST(MultinomialLogisticLossLayerGpu, GradientCheck) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1701);
  Blob p({5, 4}), labels({5});
  test::FillUniform(&p, 0.2f, 1.f);
  FillValues(&labels, {0, 3, 1, 4, 2});
  auto layer = Make("loss_param { ignore_label: 4 normalization: VALID }");
  Blob loss;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  opt.step = 1e-3f;
  CheckGradient(*layer, {&p, &labels}, {&loss}, opt);
}

}  // namespace
}  // namespace cnn
