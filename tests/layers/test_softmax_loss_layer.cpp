#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
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

}  // namespace
}  // namespace cnn
