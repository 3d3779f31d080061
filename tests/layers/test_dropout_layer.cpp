#include <gtest/gtest.h>

#include <algorithm>
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
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& phase, const std::string& param = "") {
  return LayerRegistry::Create(
      ParseLayer(R"(name: "drop" type: "Dropout" phase: )" + phase + " dropout_param { " + param + " }"));
}

std::vector<float> DiffOf(const Blob& b) {
  return std::vector<float>(b.cpu_diff(), b.cpu_diff() + b.count());
}

void SetDiff(Blob* b, const Blob& values) {
  std::copy(values.cpu_data(), values.cpu_data() + values.count(), b->mutable_cpu_diff());
}

TEST(DropoutLayer, TestPhaseIsIdentity) {
  Context::set_random_seed(1701);
  Blob x({2, 3, 4}), y, dy({2, 3, 4});
  FillGaussian(&x);
  FillGaussian(&dy);
  auto layer = Make("TEST", "dropout_ratio: 0.7");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(DataOf(y), DataOf(x));
  SetDiff(&y, dy);
  layer->Backward({&y}, {true}, {&x});
  EXPECT_EQ(DiffOf(x), DataOf(dy));
}

TEST(DropoutLayer, TrainZeroesAboutRatioAndScalesTheRest) {
  Context::set_random_seed(1701);
  const int n = 2000;
  const float ratio = 0.3f;
  Blob x({n}), y;
  std::fill(x.mutable_cpu_data(), x.mutable_cpu_data() + n, 1.f);
  auto layer = Make("TRAIN", "dropout_ratio: 0.3");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  int zeros = 0;
  for (int i = 0; i < n; ++i) {
    const float v = y.cpu_data()[i];
    if (v == 0.f) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1.f / (1.f - ratio)) << "element " << i;
    }
  }
  // Binomial(2000, 0.3): mean 600, standard deviation about 20.5.
  EXPECT_GT(zeros, 500);
  EXPECT_LT(zeros, 700);

  // Backward routes gradients through the same units, with the same scale.
  std::fill(y.mutable_cpu_diff(), y.mutable_cpu_diff() + n, 2.f);
  layer->Backward({&y}, {true}, {&x});
  for (int i = 0; i < n; ++i) {
    const float expected = y.cpu_data()[i] == 0.f ? 0.f : 2.f / (1.f - ratio);
    EXPECT_FLOAT_EQ(x.cpu_diff()[i], expected) << "element " << i;
  }
}

TEST(DropoutLayer, DefaultRatioIsHalf) {
  Context::set_random_seed(1702);
  Blob x({1000}), y;
  std::fill(x.mutable_cpu_data(), x.mutable_cpu_data() + 1000, 1.f);
  auto layer = Make("TRAIN");
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const auto v = DataOf(y);
  const int zeros = static_cast<int>(std::count(v.begin(), v.end(), 0.f));
  EXPECT_EQ(static_cast<int>(std::count(v.begin(), v.end(), 2.f)), 1000 - zeros);
  EXPECT_GT(zeros, 430);
  EXPECT_LT(zeros, 570);
}

TEST(DropoutLayer, SeedMakesMaskRepeatable) {
  Blob x({200}), y1, y2;
  std::fill(x.mutable_cpu_data(), x.mutable_cpu_data() + 200, 1.f);
  auto a = Make("TRAIN");
  auto b = Make("TRAIN");
  a->SetUp({&x}, {&y1});
  b->SetUp({&x}, {&y2});
  Context::set_random_seed(42);
  a->Forward({&x}, {&y1});
  Context::set_random_seed(42);
  b->Forward({&x}, {&y2});
  EXPECT_EQ(DataOf(y1), DataOf(y2));
  b->Forward({&x}, {&y2});
  EXPECT_NE(DataOf(y1), DataOf(y2));
}

TEST(DropoutLayer, GradientTrain) {
  // The checker reseeds before every forward, so each forward draws the same mask.
  Context::set_random_seed(1703);
  Blob x(2, 3, 4, 2), y;
  FillGaussian(&x);
  auto layer = Make("TRAIN", "dropout_ratio: 0.4");
  CheckGradient(*layer, {&x}, {&y});
}

TEST(DropoutLayer, GradientTest) {
  Context::set_random_seed(1704);
  Blob x({2, 3, 4}), y;
  FillGaussian(&x);
  auto layer = Make("TEST");
  CheckGradient(*layer, {&x}, {&y});
}

TEST(DropoutLayer, InPlaceTrainMatchesOutOfPlace) {
  Context::set_random_seed(1705);
  Blob x({3, 5, 4}), y, dy({3, 5, 4});
  FillGaussian(&x);
  FillGaussian(&dy);
  auto layer = Make("TRAIN");
  layer->SetUp({&x}, {&y});
  Context::set_random_seed(7);
  layer->Forward({&x}, {&y});
  SetDiff(&y, dy);
  layer->Backward({&y}, {true}, {&x});

  Blob z({3, 5, 4});
  z.CopyFrom(x);
  auto in_place = Make("TRAIN");
  in_place->SetUp({&z}, {&z});
  Context::set_random_seed(7);
  in_place->Forward({&z}, {&z});
  EXPECT_EQ(DataOf(z), DataOf(y));
  SetDiff(&z, dy);
  in_place->Backward({&z}, {true}, {&z});
  EXPECT_EQ(DiffOf(z), DiffOf(x));
}

TEST(DropoutLayer, RatioOutOfRangeThrows) {
  Blob x({4}), y;
  EXPECT_THROW(Make("TRAIN", "dropout_ratio: 1")->SetUp({&x}, {&y}), Error);
  try {
    Make("TRAIN", "dropout_ratio: -0.1")->SetUp({&x}, {&y});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'drop' (Dropout)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnn
