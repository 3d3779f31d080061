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

using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param = "") {
  return LayerRegistry::Create(
      ParseLayer(R"(name: "acc" type: "Accuracy" accuracy_param { )" + param + " }"));
}

// Six samples, five classes (class 4 never the label, always scored lowest).
//   s0: label 1, best                        -> top-1 and top-3 right
//   s1: label 2, second best                 -> top-3 right only
//   s2: label 1, worst of the four           -> wrong for both
//   s3: label -1                             -> ignored
//   s4: label 0, tied with class 1 for best  -> a tie counts against: top-3 right only
//   s5: label 3, best                        -> right for both
struct Example {
  Blob scores{std::vector<int>{6, 5}};
  Blob labels{std::vector<int>{6}};
  Example() {
    FillValues(&scores, {0.1f, 0.5f, 0.3f,  0.2f, -1,  //
                         0.4f, 0.1f, 0.3f,  0.2f, -1,  //
                         0.9f, 0.0f, 0.05f, 0.8f, -1,  //
                         0.2f, 0.2f, 0.1f,  0.3f, -1,  //
                         0.3f, 0.3f, 0.2f,  0.1f, -1,  //
                         0.1f, 0.2f, 0.3f,  0.4f, -1});
    FillValues(&labels, {1, 2, 1, -1, 0, 3});
  }
  BlobVec bottom() { return {&scores, &labels}; }
};

TEST(AccuracyLayer, TopOneWithIgnoreLabelAndPerClass) {
  Example ex;
  auto layer = Make("ignore_label: -1");
  Blob acc, per_class;
  layer->SetUp(ex.bottom(), {&acc, &per_class});
  layer->Forward(ex.bottom(), {&acc, &per_class});
  EXPECT_EQ(acc.num_axes(), 0);
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 2.f / 5.f);
  ASSERT_EQ(per_class.shape(), std::vector<int>{5});
  // Class 1 has two samples, one right; class 4 has none.
  EXPECT_EQ(DataOf(per_class), (std::vector<float>{0, 0.5f, 0, 1, 0}));
}

TEST(AccuracyLayer, TopThree) {
  Example ex;
  auto layer = Make("ignore_label: -1 top_k: 3");
  Blob acc, per_class;
  layer->SetUp(ex.bottom(), {&acc, &per_class});
  layer->Forward(ex.bottom(), {&acc, &per_class});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 4.f / 5.f);
  EXPECT_EQ(DataOf(per_class), (std::vector<float>{1, 0.5f, 1, 1, 0}));
}

TEST(AccuracyLayer, OneTopAndRepeatedForward) {
  Example ex;
  auto layer = Make("ignore_label: -1");
  Blob acc;
  layer->SetUp(ex.bottom(), {&acc});
  layer->Forward(ex.bottom(), {&acc});
  layer->Forward(ex.bottom(), {&acc});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 0.4f);
  EXPECT_EQ(layer->loss(0), 0.f);
}

TEST(AccuracyLayer, SpatialLabelsAlongAxisOne) {
  // Scores (2, 3, 2, 2), labels (2, 2, 2): compared with argmax by hand.
  Context::set_random_seed(1701);
  Blob scores(2, 3, 2, 2), labels({2, 2, 2});
  FillGaussian(&scores);
  FillValues(&labels, {0, 1, 2, 0, 1, 1, 2, 2});
  auto layer = Make();
  Blob acc;
  layer->SetUp({&scores, &labels}, {&acc});
  layer->Forward({&scores, &labels}, {&acc});
  int right = 0;
  for (int n = 0; n < 2; ++n) {
    for (int i = 0; i < 4; ++i) {
      const int h = i / 2, w = i % 2;
      int best = 0;
      for (int c = 1; c < 3; ++c)
        if (scores.data_at(n, c, h, w) > scores.data_at(n, best, h, w)) best = c;
      right += best == static_cast<int>(labels.cpu_data()[n * 4 + i]);
    }
  }
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], right / 8.f);
}

TEST(AccuracyLayer, ClassesAlongLastAxis) {
  // The same example as (1, 6, 5) scores with the classes on axis -1.
  Example ex;
  Blob scores({1, 6, 5}), labels({1, 6});
  FillValues(&scores, DataOf(ex.scores));
  FillValues(&labels, DataOf(ex.labels));
  auto layer = Make("ignore_label: -1 axis: -1");
  Blob acc;
  layer->SetUp({&scores, &labels}, {&acc});
  layer->Forward({&scores, &labels}, {&acc});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 0.4f);
}

TEST(AccuracyLayer, NaNScoreIsNeverRight) {
  // Caffe's comparison count would call a NaN true-class score right; a
  // diverged net must not report perfect accuracy.
  Example ex;
  ex.scores.mutable_cpu_data()[1] = std::nanf("");  // s0's true class
  auto layer = Make("ignore_label: -1");
  Blob acc;
  layer->SetUp(ex.bottom(), {&acc});
  layer->Forward(ex.bottom(), {&acc});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 1.f / 5.f);
}

TEST(AccuracyLayer, AllIgnoredGivesZero) {
  Example ex;
  FillValues(&ex.labels, {-1, -1, -1, -1, -1, -1});
  auto layer = Make("ignore_label: -1");
  Blob acc;
  layer->SetUp(ex.bottom(), {&acc});
  layer->Forward(ex.bottom(), {&acc});
  EXPECT_EQ(acc.cpu_data()[0], 0.f);
}

TEST(AccuracyLayer, BadLabelThrowsNamingLayerAndLabel) {
  Example ex;
  auto layer = Make();  // no ignore label: -1 is out of range
  Blob acc;
  layer->SetUp(ex.bottom(), {&acc});
  try {
    layer->Forward(ex.bottom(), {&acc});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'acc' (Accuracy)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("label -1"), std::string::npos) << msg;
  }
  FillValues(&ex.labels, {1, 2, 1, 5, 0, 3});
  EXPECT_THROW(layer->Forward(ex.bottom(), {&acc}), Error);
}

TEST(AccuracyLayer, BadShapesAndTopKThrow) {
  Example ex;
  Blob acc, short_labels({5});
  EXPECT_THROW(Make()->SetUp({&ex.scores, &short_labels}, {&acc}), Error);
  EXPECT_THROW(Make("top_k: 6")->SetUp(ex.bottom(), {&acc}), Error);
  EXPECT_THROW(Make("top_k: 0")->SetUp(ex.bottom(), {&acc}), Error);
}

TEST(AccuracyLayer, NoGradient) {
  Example ex;
  auto layer = Make("ignore_label: -1");
  EXPECT_FALSE(layer->AllowForceBackward(0));
  EXPECT_FALSE(layer->AllowForceBackward(1));
  Blob acc;
  layer->SetUp(ex.bottom(), {&acc});
  layer->Forward(ex.bottom(), {&acc});
  ex.scores.mutable_cpu_diff()[0] = 3.f;
  layer->Backward({&acc}, {false, false}, ex.bottom());
  EXPECT_EQ(ex.scores.cpu_diff()[0], 3.f);
  EXPECT_THROW(layer->Backward({&acc}, {true, false}, ex.bottom()), Error);
}

// ---- GPU ------------------------------------------------------------------
// Counts are integers and the divisions are the CPU's, so the GPU must agree
// exactly (tolerance 0). Scores are rounded to halves so that ties, which
// count against the true class, are common.

LayerParameter GpuParam(const std::string& param, bool per_class = true) {
  return ParseLayer(R"(name: "acc" type: "Accuracy" bottom: "scores" bottom: "labels" top: "acc" )" +
                    std::string(per_class ? R"(top: "per_class" )" : "") + "accuracy_param { " + param + " }");
}

// Labels uniform in [0, classes), with `ignore` >= 0 also drawing `ignore`;
// a `nan_every`-th score (0: none) is NaN.
test::GpuCompareOptions GpuOptions(int classes, int ignore = -1, int nan_every = 0) {
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  opt.backward = false;  // no gradient
  opt.fill = [classes, ignore, nan_every](int index, Blob* b) {
    float* d = b->mutable_cpu_data();
    if (index == 0) {
      FillGaussian(b);
      for (int i = 0; i < b->count(); ++i) d[i] = std::round(d[i] * 2.f) / 2.f;
      if (nan_every > 0) {
        for (int i = 0; i < b->count(); i += nan_every) d[i] = std::nanf("");
      }
      return;
    }
    const unsigned range = static_cast<unsigned>(classes) + (ignore >= 0 ? 1 : 0);
    for (int i = 0; i < b->count(); ++i) {
      const int label = static_cast<int>(Context::rng()() % range);
      d[i] = static_cast<float>(label == classes ? ignore : label);
    }
  };
  return opt;
}

TEST(AccuracyLayerGpu, MatchesCpuTopOne) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(""), {{37, 10}, {37}}, GpuOptions(10));
  test::ExpectGpuMatchesCpu(GpuParam("", false), {{37, 10}, {37}}, GpuOptions(10));
  test::ExpectGpuMatchesCpu(GpuParam("ignore_label: -1"), {{101, 7}, {101}}, GpuOptions(7, -1));
}

TEST(AccuracyLayerGpu, MatchesCpuTopFive) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("top_k: 5"), {{37, 10}, {37}}, GpuOptions(10));
  test::ExpectGpuMatchesCpu(GpuParam("top_k: 5 ignore_label: 3"), {{101, 23}, {101}}, GpuOptions(23));
  test::ExpectGpuMatchesCpu(GpuParam("top_k: 7"), {{19, 7}, {19}}, GpuOptions(7));  // k = classes: all right
}

TEST(AccuracyLayerGpu, MatchesCpuSpatialAndOtherAxes) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("ignore_label: 255"), {{3, 6, 5, 7}, {3, 5, 7}}, GpuOptions(6, 255));
  test::ExpectGpuMatchesCpu(GpuParam("axis: -1 top_k: 2"), {{3, 5, 11}, {3, 5}}, GpuOptions(11));
  test::ExpectGpuMatchesCpu(GpuParam("axis: 0"), {{9, 13}, {13}}, GpuOptions(9));
}

TEST(AccuracyLayerGpu, MatchesCpuWithNaNScores) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(""), {{37, 10}, {37}}, GpuOptions(10, -1, 7));
  test::ExpectGpuMatchesCpu(GpuParam("top_k: 3"), {{37, 10}, {37}}, GpuOptions(10, -1, 3));
}

TEST(AccuracyLayerGpu, MatchesCpuAllIgnored) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = GpuOptions(5);
  opt.fill = [](int index, Blob* b) {
    if (index == 0) {
      FillGaussian(b);
    } else {
      std::fill_n(b->mutable_cpu_data(), b->count(), -1.f);
    }
  };
  test::ExpectGpuMatchesCpu(GpuParam("ignore_label: -1"), {{6, 5}, {6}}, opt);
}

TEST(AccuracyLayerGpu, KnownAnswer) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Example ex;
  auto layer = Make("ignore_label: -1 top_k: 3");
  Blob acc, per_class;
  layer->SetUp(ex.bottom(), {&acc, &per_class});
  layer->Forward(ex.bottom(), {&acc, &per_class});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 4.f / 5.f);
  EXPECT_EQ(DataOf(per_class), (std::vector<float>{1, 0.5f, 1, 1, 0}));
  // Forward again (the counts start from zero each time), now top-1.
  auto top1 = Make("ignore_label: -1");
  top1->SetUp(ex.bottom(), {&acc, &per_class});
  top1->Forward(ex.bottom(), {&acc, &per_class});
  top1->Forward(ex.bottom(), {&acc, &per_class});
  EXPECT_FLOAT_EQ(acc.cpu_data()[0], 2.f / 5.f);
  EXPECT_EQ(DataOf(per_class), (std::vector<float>{0, 0.5f, 0, 1, 0}));
}

TEST(AccuracyLayerGpu, BadLabelThrowsTheCpuError) {
  SKIP_WITHOUT_GPU();
  for (const std::vector<float>& labels :
       {std::vector<float>{1, 2, 1, -1, 0, 3}, std::vector<float>{1, 2, 1, 5, 0, 7}}) {
    Example ex;
    FillValues(&ex.labels, labels);
    Blob acc;
    auto cpu = Make();
    cpu->SetUp(ex.bottom(), {&acc});
    const std::string expected = test::ErrorOf([&] { cpu->Forward(ex.bottom(), {&acc}); });
    EXPECT_NE(expected.find("layer 'acc' (Accuracy): label"), std::string::npos) << expected;
    test::ScopedGpuMode gpu;
    auto layer = Make();
    layer->SetUp(ex.bottom(), {&acc});
    EXPECT_EQ(test::ErrorOf([&] { layer->Forward(ex.bottom(), {&acc}); }), expected);
    // Usable again once the labels are fixed.
    FillValues(&ex.labels, {1, 2, 1, 4, 0, 3});
    layer->Forward(ex.bottom(), {&acc});
    EXPECT_FLOAT_EQ(acc.cpu_data()[0], 2.f / 6.f);
  }
}

}  // namespace
}  // namespace cnn
