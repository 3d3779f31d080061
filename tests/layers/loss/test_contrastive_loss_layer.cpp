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
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "ContrastiveLoss" )" + extra));
}

// Pair 0 similar at distance 1; pair 1 dissimilar at 0.5; pair 2 dissimilar at 5.
struct Inputs {
  Blob a{3, 2, 1, 1};
  Blob b{3, 2, 1, 1};
  Blob sim{3, 1, 1, 1};
  Inputs() {
    FillValues(&a, {1.f, 0.f, 0.f, 0.f, 3.f, 4.f});
    FillValues(&b, {0.f, 0.f, 0.f, 0.5f, 0.f, 0.f});
    FillValues(&sim, {1, 0, 0});
  }
  BlobVec bottom() { return {&a, &b, &sim}; }
};

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  return layer->Forward(in.bottom(), {&loss});
}

TEST(ContrastiveLossLayer, KnownValues) {
  Inputs in;
  // (1 + (1 - 0.5)^2 + 0) / (2 * 3); legacy: (1 + (1 - 0.25) + 0) / 6.
  EXPECT_NEAR(ForwardLoss("", in), 1.25 / 6, 1e-6);
  EXPECT_NEAR(ForwardLoss("contrastive_loss_param { legacy_version: true }", in), 1.75 / 6, 1e-6);
  EXPECT_NEAR(ForwardLoss("contrastive_loss_param { margin: 2 }", in), (1 + 2.25) / 6, 1e-6);
  EXPECT_NEAR(ForwardLoss("contrastive_loss_param { margin: 6 }", in), (1 + 5.5 * 5.5 + 1) / 6, 1e-5);
  // Any nonzero label is "similar": pair 2 with label 2 costs d^2 = 25.
  in.sim.mutable_cpu_data()[2] = 2;
  EXPECT_NEAR(ForwardLoss("", in), (1.25 + 25) / 6, 1e-5);
  in.sim.mutable_cpu_data()[2] = 255;
  EXPECT_NEAR(ForwardLoss("loss_param { ignore_label: 255 }", in), 1.25 / 6, 1e-6);
  EXPECT_NEAR(ForwardLoss("loss_param { ignore_label: 255 normalization: VALID }", in), 1.25 / 4, 1e-6);
  EXPECT_NEAR(ForwardLoss("loss_param { ignore_label: 255 normalization: NONE }", in), 1.25 / 2, 1e-6);
}

TEST(ContrastiveLossLayer, GradientByHand) {
  for (bool legacy : {false, true}) {
    SCOPED_TRACE(legacy);
    Inputs in;
    auto layer = Make(std::string("loss_weight: 3 contrastive_loss_param { legacy_version: ") +
                      (legacy ? "true" : "false") + " }");
    Blob loss;
    layer->SetUp(in.bottom(), {&loss});
    layer->Forward(in.bottom(), {&loss});
    layer->Backward({&loss}, {true, true, false}, in.bottom());
    // da = loss_weight / N * g * (a - b); db = -da.
    const float g1 = legacy ? -1.f : -0.5f / (0.5f + 1e-4f);
    const std::vector<float> da = {1.f, 0.f, 0.f, g1 * -0.5f, 0.f, 0.f};
    for (int i = 0; i < 6; ++i) {
      EXPECT_NEAR(in.a.cpu_diff()[i], da[i], 1e-6) << i;
      EXPECT_NEAR(in.b.cpu_diff()[i], -da[i], 1e-6) << i;
    }
  }
}

TEST(ContrastiveLossLayer, GradientCheck) {
  for (const char* extra : {"contrastive_loss_param { margin: 2.5 }",
                            "contrastive_loss_param { margin: 2.5 legacy_version: true }",
                            "contrastive_loss_param { margin: 2.5 } loss_param { ignore_label: 7 normalization: VALID }"}) {
    SCOPED_TRACE(extra);
    Context::set_random_seed(1701);
    Blob a({6, 3}), b({6, 3}), sim({6});
    FillGaussian(&a, 0.6f);
    FillGaussian(&b, 0.6f);
    FillValues(&sim, {1, 0, 0, 1, 7, 0});
    auto layer = Make(extra);
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0, 1};
    CheckGradient(*layer, {&a, &b, &sim}, {&loss}, opt);
  }
}

TEST(ContrastiveLossLayer, BadInputs) {
  Blob loss;
  Blob a({3, 2}), b({3, 4}), b4(std::vector<int>{3, 2, 2, 1}), b_n({2, 2}), sim({3}), sim2({2});
  const std::string msg = test::ErrorOf([&] { Make()->SetUp({&a, &b, &sim}, {&loss}); });
  EXPECT_NE(msg.find("layer 'loss' (ContrastiveLoss): bottoms a and b must both be N x C"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got 3 2 (6) and 3 4 (12)"), std::string::npos) << msg;
  EXPECT_THROW(Make()->SetUp({&a, &b4, &sim}, {&loss}), Error);
  EXPECT_THROW(Make()->SetUp({&a, &b_n, &sim}, {&loss}), Error);
  const std::string labels = test::ErrorOf([&] { Make()->SetUp({&a, &a, &sim2}, {&loss}); });
  EXPECT_NE(labels.find("needs one similarity label per pair"), std::string::npos) << labels;
  auto layer = Make();
  EXPECT_TRUE(layer->AllowForceBackward(1));
  EXPECT_FALSE(layer->AllowForceBackward(2));
  Blob c(std::vector<int>{3, 2, 1, 1});
  layer->SetUp({&a, &c, &sim}, {&loss});  // N x C against N x C x 1 x 1 is fine
  layer->Forward({&a, &c, &sim}, {&loss});
  EXPECT_THROW(layer->Backward({&loss}, {true, true, true}, {&a, &c, &sim}), Error);
}

// ---- GPU ------------------------------------------------------------------

test::GpuCompareOptions GpuOptions() {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, true, false};
  opt.fill = [](int index, Blob* b) {
    if (index < 2) {
      FillGaussian(b, 0.5f);
      return;
    }
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = i % 5 == 4 ? 255.f : static_cast<float>(Context::rng()() % 2);
  };
  return opt;
}

TEST(ContrastiveLossLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string base =
      R"(name: "loss" type: "ContrastiveLoss" bottom: "a" bottom: "b" bottom: "s" top: "loss" )";
  for (const char* extra : {"", "contrastive_loss_param { margin: 3 legacy_version: true }",
                            "contrastive_loss_param { margin: 2 } loss_param { ignore_label: 255 normalization: VALID } "
                            "loss_weight: 0.7"}) {
    SCOPED_TRACE(extra);
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra), {{9, 5}, {9, 5}, {9}}, GpuOptions());
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra), {{600, 16, 1, 1}, {600, 16, 1, 1}, {600, 1, 1, 1}},
                              GpuOptions());
  }
}

TEST(ContrastiveLossLayerGpu, GradientCheck) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  for (const char* extra : {"contrastive_loss_param { margin: 2.5 }",
                            "contrastive_loss_param { margin: 2.5 legacy_version: true }"}) {
    SCOPED_TRACE(extra);
    Context::set_random_seed(1701);
    Blob a({6, 3}), b({6, 3}), sim({6});
    FillGaussian(&a, 0.6f);
    FillGaussian(&b, 0.6f);
    FillValues(&sim, {1, 0, 0, 1, 1, 0});
    auto layer = Make(extra);
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0, 1};
    CheckGradient(*layer, {&a, &b, &sim}, {&loss}, opt);
  }
}

}  // namespace
}  // namespace cnn
