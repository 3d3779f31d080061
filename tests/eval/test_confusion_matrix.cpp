#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/eval/confusion_matrix.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

TEST(ConfusionMatrix, CountsPrecisionAndRecall) {
  // 5 examples, 3 classes. Predictions: 0, 1, 1, 2, 1; truths: 0, 1, 2, 2, 0.
  Blob scores(std::vector<int>{5, 3});
  test::FillValues(&scores, {9, 1, 1,  0, 5, 1,  0, 3, 2,  1, 0, 4,  2, 7, 1});
  Blob labels(std::vector<int>{5});
  test::FillValues(&labels, {0, 1, 2, 2, 0});
  ConfusionMatrix m(3);
  m.Add(scores, labels);
  EXPECT_EQ(m.total(), 5);
  EXPECT_EQ(m.count(0, 0), 1);
  EXPECT_EQ(m.count(0, 1), 1);
  EXPECT_EQ(m.count(2, 1), 1);
  EXPECT_DOUBLE_EQ(m.accuracy(), 3.0 / 5);
  EXPECT_DOUBLE_EQ(m.precision(1), 1.0 / 3);  // predicted 1 three times, right once
  EXPECT_DOUBLE_EQ(m.recall(0), 0.5);
  EXPECT_DOUBLE_EQ(m.recall(2), 0.5);
  EXPECT_DOUBLE_EQ(m.precision(2), 1.0);
  std::ostringstream out;
  m.Print(out);
  EXPECT_NE(out.str().find("precision"), std::string::npos);
}

// Regression (reliability issue, item 9): NaN scores all "predicted" class 0,
// so the table credited class 0 while the Accuracy layer said 0.
TEST(ConfusionMatrix, NanScoresPredictNothingAndCountAsWrong) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Blob scores(std::vector<int>{3, 2});
  test::FillValues(&scores, {nan, nan,  1, nan,  2, 1});
  Blob labels(std::vector<int>{3});
  test::FillValues(&labels, {0, 0, 0});
  ConfusionMatrix m(2);
  m.Add(scores, labels);
  EXPECT_EQ(m.total(), 3);
  EXPECT_EQ(m.unscored(0), 2);
  EXPECT_EQ(m.count(0, 0), 1);
  EXPECT_DOUBLE_EQ(m.accuracy(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall(0), 1.0 / 3);
  std::ostringstream out;
  m.Print(out);
  EXPECT_NE(out.str().find("2 example(s) had NaN scores"), std::string::npos) << out.str();
}

TEST(ConfusionMatrix, SpatialLabelsIgnoreLabelAndBadLabels) {
  Blob scores(std::vector<int>{1, 2, 2});  // N=1, C=2, two positions
  test::FillValues(&scores, {1, 0,  0, 1});  // position 0 -> class 0, position 1 -> class 1
  Blob labels(std::vector<int>{1, 2});
  test::FillValues(&labels, {0, 255});
  ConfusionMatrix m(2);
  m.Add(scores, labels, 1, true, 255);
  EXPECT_EQ(m.total(), 1);
  EXPECT_EQ(m.count(0, 0), 1);
  test::FillValues(&labels, {0, 7});
  EXPECT_THROW(m.Add(scores, labels), Error);
}

}  // namespace
}  // namespace cnn
