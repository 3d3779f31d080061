#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(ThresholdLayer, KnownAnswer) {
  // 1 strictly above the threshold, 0 at and below it.
  Blob x({1, 4}), y;
  test::FillValues(&x, {-1, 0.5f, 0.6f, 3});
  auto layer = test::MakeNeuron("Threshold", "threshold_param { threshold: 0.5 }");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{0, 0, 1, 1}));
}

TEST(ThresholdLayer, DefaultThresholdIsZero) {
  Blob x({1, 3}), y;
  test::FillValues(&x, {-0.5f, 0, 0.25f});
  auto layer = test::MakeNeuron("Threshold", "");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{0, 0, 1}));
}

TEST(ThresholdLayer, HasNoGradient) {
  // Caffe's Backward is NOT_IMPLEMENTED; here a clear error, and nothing when not asked.
  Blob x({1, 2}), y;
  auto layer = test::MakeNeuron("Threshold", "");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  layer->Backward({&y}, {false}, {&x});
  EXPECT_NE(test::ErrorOf([&] { layer->Backward({&y}, {true}, {&x}); }).find("has no gradient"), std::string::npos);
  EXPECT_FALSE(layer->AllowForceBackward(0));
}

}  // namespace
}  // namespace cnn
