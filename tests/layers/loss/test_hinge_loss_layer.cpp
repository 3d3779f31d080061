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
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "HingeLoss" )" + extra));
}

// Item 0: [0.5, -2, 1.5] labelled 2 -> terms 1.5, 0, 0.
// Item 1: [0.2, 0.8, -0.3] labelled 0 -> terms 0.8, 1.8, 0.7.
// Item 2 is labelled 255 (ignored when the test says so).
struct Inputs {
  Blob x{3, 3, 1, 1};
  Blob labels{3, 1, 1, 1};
  Inputs() {
    FillValues(&x, {0.5f, -2.f, 1.5f, 0.2f, 0.8f, -0.3f, 4.f, 4.f, 4.f});
    FillValues(&labels, {2, 0, 255});
  }
  BlobVec bottom() { return {&x, &labels}; }
};

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  return layer->Forward(in.bottom(), {&loss});
}

TEST(HingeLossLayer, KnownValuesL1AndL2) {
  Inputs in;
  const std::string ignore = "loss_param { ignore_label: 255 ";
  EXPECT_NEAR(ForwardLoss(ignore + "}", in), (1.5 + 3.3) / 3, 1e-6);  // BATCH_SIZE: Caffe's N
  EXPECT_NEAR(ForwardLoss(ignore + "} hinge_loss_param { norm: L1 }", in), (1.5 + 3.3) / 3, 1e-6);
  EXPECT_NEAR(ForwardLoss(ignore + "} hinge_loss_param { norm: L2 }", in), (2.25 + 4.37) / 3, 1e-6);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: VALID }", in), (1.5 + 3.3) / 2, 1e-6);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: NONE } hinge_loss_param { norm: L2 }", in), 6.62, 1e-5);
  // Item 2 labelled 1: terms 5, 0 (1 - 4 < 0), 5.
  in.labels.mutable_cpu_data()[2] = 1;
  EXPECT_NEAR(ForwardLoss("", in), (1.5 + 3.3 + 10) / 3, 1e-5);
}

TEST(HingeLossLayer, GradientByHandIncludingTheKink) {
  Inputs in;
  in.x.mutable_cpu_data()[1] = -1.f;  // exactly at the kink: term 0, gradient 0
  for (const char* norm : {"L1", "L2"}) {
    SCOPED_TRACE(norm);
    auto layer = Make(std::string("loss_param { ignore_label: 255 } loss_weight: 2 hinge_loss_param { norm: ") + norm +
                      " }");
    Blob loss;
    layer->SetUp(in.bottom(), {&loss});
    layer->Forward(in.bottom(), {&loss});
    layer->Backward({&loss}, {true, false}, in.bottom());
    const bool l2 = norm[1] == '2';
    const std::vector<float> expected =
        l2 ? std::vector<float>{3.f, 0.f, 0.f, -1.6f, 3.6f, 1.4f, 0.f, 0.f, 0.f}
           : std::vector<float>{1.f, 0.f, 0.f, -1.f, 1.f, 1.f, 0.f, 0.f, 0.f};
    for (int i = 0; i < 9; ++i) EXPECT_NEAR(in.x.cpu_diff()[i], 2.f * expected[i] / 3.f, 1e-6) << i;
  }
}

// Gaussian scores moved at least 0.1 away from the kinks at -1 and +1.
void FillOffKinks(Blob* b) {
  FillGaussian(b, 1.5f);
  float* d = b->mutable_cpu_data();
  for (int i = 0; i < b->count(); ++i) {
    for (float kink : {-1.f, 1.f})
      if (std::fabs(d[i] - kink) < 0.1f) d[i] = kink + (d[i] < kink ? -0.1f : 0.1f);
  }
}

TEST(HingeLossLayer, GradientCheck) {
  for (const char* extra : {"hinge_loss_param { norm: L1 }", "hinge_loss_param { norm: L2 }",
                            "hinge_loss_param { norm: L2 } loss_param { ignore_label: 3 normalization: VALID }"}) {
    SCOPED_TRACE(extra);
    Context::set_random_seed(1701);
    Blob x({4, 5}), labels({4});
    FillOffKinks(&x);
    FillValues(&labels, {0, 3, 4, 2});
    auto layer = Make(extra);
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0};
    CheckGradient(*layer, {&x, &labels}, {&loss}, opt);
  }
}

TEST(HingeLossLayer, BadInputs) {
  Inputs in;
  Blob loss;
  FillValues(&in.labels, {2, 0, 3});
  auto layer = Make();
  layer->SetUp(in.bottom(), {&loss});
  const std::string msg = test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("layer 'loss' (HingeLoss): label 3 of item 2 is outside [0, 3)"), std::string::npos) << msg;
  Blob x({3, 3}), wrong({3, 3}), other_n({2});
  const std::string shape = test::ErrorOf([&] { Make()->SetUp({&x, &wrong}, {&loss}); });
  EXPECT_NE(shape.find("needs one label per item: scores 3 3"), std::string::npos) << shape;
  EXPECT_THROW(Make()->SetUp({&x, &other_n}, {&loss}), Error);
  EXPECT_FALSE(Make()->AllowForceBackward(1));
}

// ---- GPU ------------------------------------------------------------------

test::GpuCompareOptions GpuOptions(int classes) {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, false};
  opt.fill = [classes](int index, Blob* b) {
    if (index == 0) {
      FillOffKinks(b);
      return;
    }
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = i % 4 == 3 ? 255.f : static_cast<float>(Context::rng()() % classes);
  };
  return opt;
}

TEST(HingeLossLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string base = R"(name: "loss" type: "HingeLoss" bottom: "x" bottom: "l" top: "loss" )";
  for (const char* extra : {"loss_param { ignore_label: 255 }", "hinge_loss_param { norm: L2 } loss_param { ignore_label: 255 normalization: VALID } loss_weight: 3"}) {
    SCOPED_TRACE(extra);
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra), {{6, 10}, {6}}, GpuOptions(10));
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra), {{500, 7, 1, 1}, {500, 1, 1, 1}}, GpuOptions(7));
  }
}

TEST(HingeLossLayerGpu, BadLabelThrowsTheCpuError) {
  SKIP_WITHOUT_GPU();
  Inputs in;
  FillValues(&in.labels, {2, 9, 3});
  Blob loss;
  auto cpu = Make();
  cpu->SetUp(in.bottom(), {&loss});
  const std::string expected = test::ErrorOf([&] { cpu->Forward(in.bottom(), {&loss}); });
  test::ScopedGpuMode gpu;
  auto layer = Make();
  layer->SetUp(in.bottom(), {&loss});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); }), expected);
}

TEST(HingeLossLayerGpu, GradientCheck) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  for (const char* extra : {"hinge_loss_param { norm: L1 }", "hinge_loss_param { norm: L2 }"}) {
    Context::set_random_seed(1701);
    Blob x({4, 5}), labels({4});
    FillOffKinks(&x);
    FillValues(&labels, {0, 3, 4, 2});
    auto layer = Make(extra);
    Blob loss;
    GradientCheckOptions opt;
    opt.bottoms = {0};
    CheckGradient(*layer, {&x, &labels}, {&loss}, opt);
  }
}

}  // namespace
}  // namespace cnn
