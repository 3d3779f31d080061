#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::FillGaussian;
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

// H for three classes: off-diagonal credit for confusing 0 with 1, and
// class 2 weighted double.
const std::vector<float> kH = {1.f, 0.5f, 0.f, 0.2f, 1.f, 0.f, 0.f, 0.f, 2.f};

std::string WriteMatrix(const std::vector<float>& values, const std::vector<int>& shape) {
  Blob h(shape);
  FillValues(&h, values);
  BlobProto proto;
  h.ToProto(&proto);
  const std::string path = test::MakeTempDir() + "/H.binaryproto";
  WriteProtoToBinaryFile(proto, path);
  return path;
}

std::unique_ptr<Layer> Make(const std::string& extra) {
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "InfogainLoss" )" + extra));
}

std::string Source(const std::string& path) { return "infogain_loss_param { source: '" + path + "' } "; }

// Scores (N=2, C=3, W=2), labels per (n, w); one labelled 255.
struct Inputs {
  Blob scores{2, 3, 1, 2};
  Blob labels{2, 1, 1, 2};
  Inputs() {
    FillValues(&scores, {1.f, -1.f, 0.5f, 2.f, 0.f, 0.f, -2.f, 1.f, 0.3f, 0.3f, 3.f, -0.5f});
    FillValues(&labels, {0, 2, 255, 1});
  }
  BlobVec bottom() { return {&scores, &labels}; }
};

// Softmax over C at (n, w) in double.
std::vector<double> Prob(const Blob& s, int n, int w) {
  std::vector<double> p(3);
  double z = 0;
  for (int c = 0; c < 3; ++c) z += p[c] = std::exp(static_cast<double>(s.data_at(n, c, 0, w)));
  for (double& v : p) v /= z;
  return p;
}

double SummedLoss(const Inputs& in, const std::vector<float>& h, int* valid) {
  double loss = 0;
  *valid = 0;
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 2; ++w) {
      const int l = static_cast<int>(in.labels.data_at(n, 0, 0, w));
      if (l == 255) continue;
      const auto p = Prob(in.scores, n, w);
      for (int k = 0; k < 3; ++k) loss -= h[l * 3 + k] * std::log(p[k]);
      ++*valid;
    }
  return loss;
}

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  return layer->Forward(in.bottom(), {&loss});
}

TEST(InfogainLossLayer, KnownValuesEachNormalization) {
  Inputs in;
  const std::string src = Source(WriteMatrix(kH, {1, 1, 3, 3}));
  int valid = 0;
  const double summed = SummedLoss(in, kH, &valid);
  ASSERT_EQ(valid, 3);
  const std::string ignore = "loss_param { ignore_label: 255 ";
  EXPECT_NEAR(ForwardLoss(src + ignore + "}", in), summed / 3, 1e-5);  // VALID by default
  EXPECT_NEAR(ForwardLoss(src + ignore + "normalization: FULL }", in), summed / 4, 1e-5);
  EXPECT_NEAR(ForwardLoss(src + ignore + "normalization: BATCH_SIZE }", in), summed / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(src + ignore + "normalization: NONE }", in), summed, 1e-5);
}

TEST(InfogainLossLayer, IdentityIsSoftmaxWithLossAndProbabilitiesAreTheSecondTop) {
  Inputs in;
  const std::string src = Source(WriteMatrix({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}));
  auto layer = Make(src + "loss_param { ignore_label: 255 }");
  auto softmax_loss = LayerRegistry::Create(
      ParseLayer(R"(name: "s" type: "SoftmaxWithLoss" loss_param { ignore_label: 255 })"));
  Blob loss, prob, loss2;
  layer->SetUp(in.bottom(), {&loss, &prob});
  softmax_loss->SetUp(in.bottom(), {&loss2});
  EXPECT_NEAR(layer->Forward(in.bottom(), {&loss, &prob}), softmax_loss->Forward(in.bottom(), {&loss2}), 1e-6);
  ASSERT_EQ(prob.shape(), in.scores.shape());
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 2; ++w) {
      const auto p = Prob(in.scores, n, w);
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(prob.data_at(n, c, 0, w), p[c], 1e-6);
    }
  layer->Backward({&loss, &prob}, {true, false}, in.bottom());
  std::vector<float> diff(in.scores.cpu_diff(), in.scores.cpu_diff() + in.scores.count());
  softmax_loss->Backward({&loss2}, {true, false}, in.bottom());
  for (int i = 0; i < in.scores.count(); ++i) EXPECT_NEAR(diff[i], in.scores.cpu_diff()[i], 1e-6) << i;
}

TEST(InfogainLossLayer, GradientByHand) {
  Inputs in;
  auto layer = Make(Source(WriteMatrix(kH, {3, 3})) + "loss_param { ignore_label: 255 } loss_weight: 2");
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  layer->Backward({&loss}, {true, false}, in.bottom());
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 2; ++w) {
      const int l = static_cast<int>(in.labels.data_at(n, 0, 0, w));
      const auto p = Prob(in.scores, n, w);
      // The ignored label (255) has no row of H; reading one ran past its end (ASan).
      const double row = l == 255 ? 0.0 : kH[l * 3] + kH[l * 3 + 1] + kH[l * 3 + 2];
      for (int c = 0; c < 3; ++c) {
        const double expected = l == 255 ? 0.0 : 2.0 * (p[c] * row - kH[l * 3 + c]) / 3.0;
        EXPECT_NEAR(in.scores.diff_at(n, c, 0, w), expected, 1e-6) << n << c << w;
      }
    }
}

TEST(InfogainLossLayer, GradientCheckSourceThirdBottomAndAxis) {
  Inputs in;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  for (const char* mode : {"VALID", "FULL", "NONE"}) {
    SCOPED_TRACE(mode);
    auto layer = Make(Source(WriteMatrix(kH, {3, 3})) + "loss_param { ignore_label: 255 normalization: " + mode + " }");
    Blob loss;
    CheckGradient(*layer, in.bottom(), {&loss}, opt);
  }
  // H as a third bottom, classes on the last axis: scores (2, 2, 3), labels (2, 2).
  Context::set_random_seed(1702);
  Blob scores({2, 2, 3}), labels({2, 2}), h({3, 3});
  FillGaussian(&scores);
  FillValues(&labels, {2, 0, 1, 1});
  FillValues(&h, kH);
  auto layer = Make("infogain_loss_param { axis: -1 }");
  Blob loss;
  CheckGradient(*layer, {&scores, &labels, &h}, {&loss}, opt);
}

TEST(InfogainLossLayer, BadInputs) {
  Inputs in;
  Blob loss;
  const std::string good = Source(WriteMatrix(kH, {3, 3}));
  // No matrix at all, a missing file, the matrix twice, the wrong size.
  std::string msg = test::ErrorOf([&] { Make("")->SetUp(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("layer 'loss' (InfogainLoss): needs the infogain matrix: set infogain_loss_param.source"),
            std::string::npos)
      << msg;
  msg = test::ErrorOf([&] { Make(Source("/nonexistent/H.binaryproto"))->SetUp(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("infogain_loss_param.source '/nonexistent/H.binaryproto'"), std::string::npos) << msg;
  Blob h({3, 3});
  BlobVec three = {&in.scores, &in.labels, &h};
  EXPECT_NE(test::ErrorOf([&] { Make(good)->SetUp(three, {&loss}); }).find("given twice"), std::string::npos);
  msg = test::ErrorOf([&] { Make(Source(WriteMatrix({1, 0, 0, 1}, {2, 2})))->SetUp(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("has shape 2 2 (4), but the scores 2 3 1 2 (12) have 3 classes: it needs 3 x 3 = 9 values"),
            std::string::npos)
      << msg;
  Blob h4({4, 4});
  EXPECT_THROW(Make("")->SetUp({&in.scores, &in.labels, &h4}, {&loss}), Error);
  // Labels: wrong count, out of range; the deprecated `normalize`; a bad axis.
  Blob few({2, 1});
  EXPECT_NE(test::ErrorOf([&] { Make(good)->SetUp({&in.scores, &few}, {&loss}); }).find("one label per prediction"),
            std::string::npos);
  auto layer = Make(good);
  layer->SetUp(in.bottom(), {&loss});
  FillValues(&in.labels, {0, 3, 1, 1});
  msg = test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("label 3 at position 1 is outside [0, 3)"), std::string::npos) << msg;
  msg = test::ErrorOf([&] { Make(good + "loss_param { normalize: true }")->SetUp(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("loss_param.normalize is deprecated"), std::string::npos) << msg;
  const std::string path = WriteMatrix(kH, {3, 3});
  msg = test::ErrorOf(
      [&] { Make("infogain_loss_param { axis: 4 source: '" + path + "' }")->SetUp(in.bottom(), {&loss}); });
  EXPECT_NE(msg.find("infogain_loss_param.axis 4 out of range for scores of shape 2 3 1 2"), std::string::npos) << msg;
  EXPECT_TRUE(layer->AllowForceBackward(0));
  EXPECT_FALSE(layer->AllowForceBackward(1));
  EXPECT_FALSE(layer->AllowForceBackward(2));
}

// ---- GPU ------------------------------------------------------------------

test::GpuCompareOptions GpuOptions(int classes) {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, false, false};
  opt.fill = [classes](int index, Blob* b) {
    if (index == 0) {
      FillGaussian(b, 2.f);
    } else if (index == 1) {
      float* d = b->mutable_cpu_data();
      for (int i = 0; i < b->count(); ++i) d[i] = i % 6 == 5 ? 255.f : static_cast<float>(Context::rng()() % classes);
    } else {
      test::FillUniform(b, 0.f, 2.f);
    }
  };
  return opt;
}

TEST(InfogainLossLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string base = R"(name: "loss" type: "InfogainLoss" bottom: "s" bottom: "l" bottom: "h" top: "loss" )";
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    const std::string extra = std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }";
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra), {{5, 7, 3, 11}, {5, 1, 3, 11}, {7, 7}}, GpuOptions(7));
    test::ExpectGpuMatchesCpu(ParseLayer(base + extra + " infogain_loss_param { axis: 2 }"),
                              {{4, 5, 9}, {4, 5}, {1, 1, 9, 9}}, GpuOptions(9));
  }
  // From a source file, with the probability top.
  test::GpuCompareOptions opt = GpuOptions(3);
  opt.propagate_down = {true, false};
  test::ExpectGpuMatchesCpu(
      ParseLayer(R"(name: "loss" type: "InfogainLoss" bottom: "s" bottom: "l" top: "loss" top: "prob" )" +
                 Source(WriteMatrix(kH, {3, 3})) + "loss_param { ignore_label: 255 } loss_weight: 1.5 loss_weight: 0"),
      {{300, 3}, {300}}, opt);
}

TEST(InfogainLossLayerGpu, BadLabelThrowsTheCpuError) {
  SKIP_WITHOUT_GPU();
  Inputs in;
  FillValues(&in.labels, {0, 1, -4, 5});
  const std::string src = Source(WriteMatrix(kH, {3, 3}));
  Blob loss;
  auto cpu = Make(src);
  cpu->SetUp(in.bottom(), {&loss});
  const std::string expected = test::ErrorOf([&] { cpu->Forward(in.bottom(), {&loss}); });
  test::ScopedGpuMode gpu;
  auto layer = Make(src);
  layer->SetUp(in.bottom(), {&loss});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); }), expected);
}

TEST(InfogainLossLayerGpu, GradientCheck) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Inputs in;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  auto layer = Make(Source(WriteMatrix(kH, {3, 3})) + "loss_param { ignore_label: 255 }");
  Blob loss;
  CheckGradient(*layer, in.bottom(), {&loss}, opt);
  Context::set_random_seed(1702);
  Blob scores({2, 2, 3}), labels({2, 2}), h({3, 3});
  FillGaussian(&scores);
  FillValues(&labels, {2, 0, 1, 1});
  FillValues(&h, kH);
  auto third = Make("infogain_loss_param { axis: -1 }");
  CheckGradient(*third, {&scores, &labels, &h}, {&loss}, opt);
}

}  // namespace
}  // namespace cnn
