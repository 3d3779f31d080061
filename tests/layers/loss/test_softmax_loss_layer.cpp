#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
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
using test::FillGaussian;
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& extra = "") {
  return LayerRegistry::Create(ParseLayer(R"(name: "loss" type: "SoftmaxWithLoss" )" + extra));
}

// Scores (N=2, C=4, H=1, W=3) and one label per (n, h, w); two positions
// carry 255, the ignore label of the tests that set one.
struct Inputs {
  Blob scores{2, 4, 1, 3};
  Blob labels{2, 1, 1, 3};
  Inputs() {
    Context::set_random_seed(1701);
    FillGaussian(&scores, 2.f);
    FillValues(&labels, {0, 3, 255, 2, 255, 1});
  }
  BlobVec bottom() { return {&scores, &labels}; }
};

// -log p(label) summed over the positions whose label is not `ignore`, with
// p the softmax over the 4 classes; also counts those positions.
double SummedLoss(const Inputs& in, int ignore, int* valid) {
  double loss = 0;
  *valid = 0;
  for (int n = 0; n < 2; ++n) {
    for (int w = 0; w < 3; ++w) {
      const int label = static_cast<int>(in.labels.data_at(n, 0, 0, w));
      if (label == ignore) continue;
      double z = 0;
      for (int c = 0; c < 4; ++c) z += std::exp(static_cast<double>(in.scores.data_at(n, c, 0, w)));
      loss -= std::log(std::exp(static_cast<double>(in.scores.data_at(n, label, 0, w))) / z);
      ++*valid;
    }
  }
  return loss;
}

float ForwardLoss(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  const float weighted = layer->Forward(in.bottom(), {&loss});
  EXPECT_EQ(loss.num_axes(), 0);
  EXPECT_EQ(loss.count(), 1);
  EXPECT_FLOAT_EQ(weighted, loss.cpu_data()[0]);  // loss weight 1 by default
  return loss.cpu_data()[0];
}

TEST(SoftmaxWithLossLayer, NormalizationModes) {
  Inputs in;
  int valid = 0;
  const double summed = SummedLoss(in, 255, &valid);
  ASSERT_EQ(valid, 4);
  const std::string ignore = "loss_param { ignore_label: 255 ";
  EXPECT_NEAR(ForwardLoss(ignore + "}", in), summed / 4, 1e-5);  // VALID is the default
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: VALID }", in), summed / 4, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: FULL }", in), summed / 6, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: BATCH_SIZE }", in), summed / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalization: NONE }", in), summed, 1e-5);
  // The legacy boolean: true means VALID, false means BATCH_SIZE; an explicit mode wins.
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: true }", in), summed / 4, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: false }", in), summed / 2, 1e-5);
  EXPECT_NEAR(ForwardLoss(ignore + "normalize: false normalization: NONE }", in), summed, 1e-5);
}

TEST(SoftmaxWithLossLayer, AllLabelsValid) {
  Inputs in;
  FillValues(&in.labels, {0, 3, 1, 2, 2, 1});
  int valid = 0;
  const double summed = SummedLoss(in, -1, &valid);
  EXPECT_NEAR(ForwardLoss("", in), summed / 6, 1e-5);
}

TEST(SoftmaxWithLossLayer, AllIgnoredGivesZero) {
  Inputs in;
  FillValues(&in.labels, {255, 255, 255, 255, 255, 255});
  EXPECT_EQ(ForwardLoss("loss_param { ignore_label: 255 }", in), 0.f);
  // VALID's divisor would be 0; it is taken as 1 (as in every mode's floor).
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"})
    EXPECT_EQ(ForwardLoss(std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }", in), 0.f)
        << mode;
}

// With the classes on axis 2 of (2, 3, 4, 2), the "batch" is the 6 leading
// items (Caffe's outer_num), not shape(0), and FULL counts 6 x 2 positions.
TEST(SoftmaxWithLossLayer, NormalizationModesFollowTheClassAxis) {
  Context::set_random_seed(1703);
  Blob scores(std::vector<int>{2, 3, 4, 2}), labels(std::vector<int>{2, 3, 2});
  FillGaussian(&scores);
  const std::vector<float> label_values = {0, 3, 255, 2, 1, 1, 255, 0, 3, 2, 2, 255};
  FillValues(&labels, label_values);
  double summed = 0;
  int valid = 0;
  for (int o = 0; o < 6; ++o) {
    for (int j = 0; j < 2; ++j) {
      const int label = static_cast<int>(label_values[o * 2 + j]);
      if (label == 255) continue;
      double z = 0;
      for (int c = 0; c < 4; ++c) z += std::exp(static_cast<double>(scores.cpu_data()[(o * 4 + c) * 2 + j]));
      summed -= std::log(std::exp(static_cast<double>(scores.cpu_data()[(o * 4 + label) * 2 + j])) / z);
      ++valid;
    }
  }
  ASSERT_EQ(valid, 9);
  const std::vector<std::pair<std::string, double>> modes = {
      {"VALID", 9}, {"FULL", 12}, {"BATCH_SIZE", 6}, {"NONE", 1}};
  for (const auto& [mode, divisor] : modes) {
    auto layer = Make("softmax_param { axis: 2 } loss_param { ignore_label: 255 normalization: " + mode + " }");
    Blob loss;
    layer->SetUp({&scores, &labels}, {&loss});
    layer->Forward({&scores, &labels}, {&loss});
    EXPECT_NEAR(loss.cpu_data()[0], summed / divisor, 1e-5) << mode;
  }
}

TEST(SoftmaxWithLossLayer, ProbabilityTopAndLossWeight) {
  Inputs in;
  auto layer = Make("loss_param { ignore_label: 255 } loss_weight: 2 loss_weight: 0");
  Blob loss, prob;
  layer->SetUp(in.bottom(), {&loss, &prob});
  const float weighted = layer->Forward(in.bottom(), {&loss, &prob});
  int valid = 0;
  EXPECT_NEAR(loss.cpu_data()[0], SummedLoss(in, 255, &valid) / 4, 1e-5);
  EXPECT_FLOAT_EQ(weighted, 2 * loss.cpu_data()[0]);
  ASSERT_EQ(prob.shape(), in.scores.shape());
  for (int n = 0; n < 2; ++n) {
    for (int w = 0; w < 3; ++w) {
      double z = 0, sum = 0;
      for (int c = 0; c < 4; ++c) z += std::exp(static_cast<double>(in.scores.data_at(n, c, 0, w)));
      for (int c = 0; c < 4; ++c) {
        EXPECT_NEAR(prob.data_at(n, c, 0, w),
                    std::exp(static_cast<double>(in.scores.data_at(n, c, 0, w))) / z, 1e-6);
        sum += prob.data_at(n, c, 0, w);
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
  // The gradient is (p - onehot) * weight / normalizer, zero at ignored positions.
  layer->Backward({&loss, &prob}, {true, false}, in.bottom());
  for (int n = 0; n < 2; ++n) {
    for (int w = 0; w < 3; ++w) {
      const int label = static_cast<int>(in.labels.data_at(n, 0, 0, w));
      for (int c = 0; c < 4; ++c) {
        const float expected =
            label == 255 ? 0.f : 2.f * (prob.data_at(n, c, 0, w) - (c == label ? 1.f : 0.f)) / 4.f;
        EXPECT_NEAR(in.scores.diff_at(n, c, 0, w), expected, 1e-6) << n << "," << c << "," << w;
      }
    }
  }
}

void CheckLossGradient(const std::string& extra, Inputs& in) {
  auto layer = Make(extra);
  Blob loss;
  GradientCheckOptions opt;
  opt.bottoms = {0};  // labels have no gradient
  CheckGradient(*layer, in.bottom(), {&loss}, opt);
}

TEST(SoftmaxWithLossLayer, GradientEachNormalization) {
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    Inputs in;
    CheckLossGradient(std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }", in);
  }
}

TEST(SoftmaxWithLossLayer, GradientWithoutIgnoreLabel) {
  Inputs in;
  FillValues(&in.labels, {0, 3, 1, 2, 2, 1});
  CheckLossGradient("", in);
  CheckLossGradient("loss_param { normalize: false }", in);
}

TEST(SoftmaxWithLossLayer, GradientOtherAxis) {
  // Classes along the last axis: scores (2, 3, 4), labels (2, 3).
  Context::set_random_seed(1702);
  Blob scores({2, 3, 4}), labels({2, 3});
  FillGaussian(&scores);
  FillValues(&labels, {0, 1, 2, 3, 3, 0});
  auto layer = Make("softmax_param { axis: 2 }");
  Blob loss;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&scores, &labels}, {&loss}, opt);
}

TEST(SoftmaxWithLossLayer, BadLabelThrowsNamingLayerAndLabel) {
  Inputs in;
  FillValues(&in.labels, {0, 3, 7, 2, 1, 1});
  auto layer = Make();
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  try {
    layer->Forward(in.bottom(), {&loss});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'loss' (SoftmaxWithLoss)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("label 7"), std::string::npos) << msg;
  }
  // 255 is an error too unless it is the ignore label; so is a negative label.
  FillValues(&in.labels, {0, 3, 255, 2, 1, 1});
  EXPECT_THROW(layer->Forward(in.bottom(), {&loss}), Error);
  FillValues(&in.labels, {0, -1, 1, 2, 1, 1});
  EXPECT_THROW(layer->Forward(in.bottom(), {&loss}), Error);
}

TEST(SoftmaxWithLossLayer, NoGradientToLabels) {
  Inputs in;
  auto layer = Make("loss_param { ignore_label: 255 }");
  EXPECT_TRUE(layer->IsLossLayer());
  EXPECT_TRUE(layer->AllowForceBackward(0));
  EXPECT_FALSE(layer->AllowForceBackward(1));
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  EXPECT_THROW(layer->Backward({&loss}, {true, true}, in.bottom()), Error);
}

TEST(SoftmaxWithLossLayer, LabelCountMismatchThrows) {
  Blob scores(2, 4, 1, 3), labels({2, 2});
  Blob loss;
  try {
    Make()->SetUp({&scores, &labels}, {&loss});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'loss' (SoftmaxWithLoss)"), std::string::npos) << e.what();
  }
}

// ---- GPU ------------------------------------------------------------------
// The GPU sums the loss in double like the CPU, in another order, and its
// logf and expf may differ from the host's by an ulp or two: tolerance 1e-5
// relative on the loss, absolute on the gradients (which are below 1).

LayerParameter GpuParam(const std::string& extra, bool prob_top = false) {
  return ParseLayer(R"(name: "loss" type: "SoftmaxWithLoss" bottom: "scores" bottom: "labels" top: "loss" )" +
                    std::string(prob_top ? R"(top: "prob" )" : "") + extra);
}

// Scores ~ Gaussian(0, 2); labels uniform in [0, classes), or, with
// `ignore` >= 0, in [0, classes] with `classes` replaced by `ignore`.
test::GpuCompareOptions GpuOptions(int classes, int ignore = -1) {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.propagate_down = {true, false};  // labels have no gradient
  opt.fill = [classes, ignore](int index, Blob* b) {
    if (index == 0) {
      FillGaussian(b, 2.f);
      return;
    }
    float* d = b->mutable_cpu_data();
    const unsigned range = static_cast<unsigned>(classes) + (ignore >= 0 ? 1 : 0);
    for (int i = 0; i < b->count(); ++i) {
      const int label = static_cast<int>(Context::rng()() % range);
      d[i] = static_cast<float>(label == classes ? ignore : label);
    }
  };
  return opt;
}

TEST(SoftmaxWithLossLayerGpu, MatchesCpuEachNormalization) {
  SKIP_WITHOUT_GPU();
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    const std::string extra = std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }";
    // Spatial (one thread per position in the softmax) and classifier rows (one warp).
    test::ExpectGpuMatchesCpu(GpuParam(extra), {{5, 7, 3, 11}, {5, 1, 3, 11}}, GpuOptions(7, 255));
    test::ExpectGpuMatchesCpu(GpuParam(extra), {{37, 10}, {37}}, GpuOptions(10, 255));
  }
}

TEST(SoftmaxWithLossLayerGpu, MatchesCpuLegacyNormalizeAndNoIgnoreLabel) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(""), {{5, 7, 3, 11}, {5, 1, 3, 11}}, GpuOptions(7));
  test::ExpectGpuMatchesCpu(GpuParam("loss_param { normalize: false }"), {{37, 10}, {37}}, GpuOptions(10));
  test::ExpectGpuMatchesCpu(GpuParam("loss_param { normalize: true ignore_label: 3 }"), {{37, 10}, {37}},
                            GpuOptions(10));
}

TEST(SoftmaxWithLossLayerGpu, MatchesCpuAllIgnored) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = GpuOptions(4);
  opt.fill = [](int index, Blob* b) {
    if (index == 0) {
      FillGaussian(b, 2.f);
    } else {
      std::fill_n(b->mutable_cpu_data(), b->count(), 255.f);
    }
  };
  test::ExpectGpuMatchesCpu(GpuParam("loss_param { ignore_label: 255 }"), {{2, 4, 1, 3}, {2, 1, 1, 3}}, opt);
}

TEST(SoftmaxWithLossLayerGpu, MatchesCpuOtherAxis) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("softmax_param { axis: 2 } loss_param { ignore_label: 255 }"),
                            {{4, 5, 9}, {4, 5}}, GpuOptions(9, 255));
  test::ExpectGpuMatchesCpu(GpuParam("softmax_param { axis: -1 }"), {{3, 5, 2, 33}, {3, 5, 2}}, GpuOptions(33));
  // The modes that divide by a count of the shape, with positions on both sides of the class axis.
  for (const char* mode : {"FULL", "BATCH_SIZE"}) {
    SCOPED_TRACE(mode);
    test::ExpectGpuMatchesCpu(
        GpuParam(std::string("softmax_param { axis: 2 } loss_param { ignore_label: 255 normalization: ") + mode + " }"),
        {{2, 3, 4, 5}, {2, 3, 5}}, GpuOptions(4, 255));
  }
}

TEST(SoftmaxWithLossLayerGpu, MatchesCpuProbabilityTopAndLossWeight) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("loss_param { ignore_label: 255 } loss_weight: 2.5 loss_weight: 0", true),
                            {{5, 7, 3, 11}, {5, 1, 3, 11}}, GpuOptions(7, 255));
}

// The error of the GPU pass is the CPU's, word for word: the first bad
// position in order, its label, the class range.
TEST(SoftmaxWithLossLayerGpu, BadLabelThrowsTheCpuError) {
  SKIP_WITHOUT_GPU();
  for (const std::vector<float>& labels : {std::vector<float>{0, 3, 7, 2, 1, 1}, std::vector<float>{0, 3, 1, -1, 9, 1},
                                            std::vector<float>{255, 3, 1, 2, 1, 4}}) {
    Inputs in;
    FillValues(&in.labels, labels);
    Blob loss;
    auto cpu = Make();
    cpu->SetUp(in.bottom(), {&loss});
    const std::string expected = test::ErrorOf([&] { cpu->Forward(in.bottom(), {&loss}); });
    EXPECT_NE(expected.find("layer 'loss' (SoftmaxWithLoss): label"), std::string::npos) << expected;
    test::ScopedGpuMode gpu;
    auto layer = Make();
    layer->SetUp(in.bottom(), {&loss});
    EXPECT_EQ(test::ErrorOf([&] { layer->Forward(in.bottom(), {&loss}); }), expected);
  }
  // Labels that turn bad between forward and backward are caught there too,
  // and a good forward afterwards works again.
  Inputs in;
  Blob loss;
  test::ScopedGpuMode gpu;
  auto layer = Make("loss_param { ignore_label: 255 }");
  layer->SetUp(in.bottom(), {&loss});
  const float good = layer->Forward(in.bottom(), {&loss});
  FillValues(&in.labels, {0, 3, 255, 4, 255, 1});
  EXPECT_NE(test::ErrorOf([&] { layer->Backward({&loss}, {true, false}, in.bottom()); }).find("label 4 at position 3"),
            std::string::npos);
  FillValues(&in.labels, {0, 3, 255, 2, 255, 1});
  EXPECT_FLOAT_EQ(layer->Forward(in.bottom(), {&loss}), good);
}

TEST(SoftmaxWithLossLayerGpu, NoGradientToLabels) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Inputs in;
  auto layer = Make("loss_param { ignore_label: 255 }");
  Blob loss;
  layer->SetUp(in.bottom(), {&loss});
  layer->Forward(in.bottom(), {&loss});
  EXPECT_THROW(layer->Backward({&loss}, {true, true}, in.bottom()), Error);
}

TEST(SoftmaxWithLossLayerGpu, KnownLoss) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Inputs in;
  int valid = 0;
  const double summed = SummedLoss(in, 255, &valid);
  EXPECT_NEAR(ForwardLoss("loss_param { ignore_label: 255 }", in), summed / 4, 1e-5);
  EXPECT_NEAR(ForwardLoss("loss_param { ignore_label: 255 normalization: FULL }", in), summed / 6, 1e-5);
}

TEST(SoftmaxWithLossLayerGpu, GradientEachNormalization) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  for (const char* mode : {"VALID", "FULL", "BATCH_SIZE", "NONE"}) {
    SCOPED_TRACE(mode);
    Inputs in;
    CheckLossGradient(std::string("loss_param { ignore_label: 255 normalization: ") + mode + " }", in);
  }
}

TEST(SoftmaxWithLossLayerGpu, GradientOtherAxis) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1702);
  Blob scores({2, 3, 4}), labels({2, 3});
  FillGaussian(&scores);
  FillValues(&labels, {0, 1, 2, 3, 3, 0});
  auto layer = Make("softmax_param { axis: 2 }");
  Blob loss;
  GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&scores, &labels}, {&loss}, opt);
}

}  // namespace
}  // namespace cnn
