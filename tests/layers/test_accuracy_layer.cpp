#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cnn
