#include <gtest/gtest.h>

#include <algorithm>
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
using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& phase, const std::string& param = "") {
  return LayerRegistry::Create(
      ParseLayer(R"(name: "drop" type: "Dropout" phase: )" + phase + " dropout_param { " + param + " }"));
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

// ---- GPU ----------------------------------------------------------------
// In TEST the layer is a copy, so GPU and CPU agree exactly (tolerance 0).
// In TRAIN the GPU draws its mask from its own generator, so only the
// mask's statistics and its consistent use can be checked.

LayerParameter GpuParam(const std::string& phase, const std::string& param = "") {
  return ParseLayer(R"(name: "drop" type: "Dropout" bottom: "x" top: "y" phase: )" + phase +
                    " dropout_param { " + param + " }");
}

TEST(DropoutGpu, MatchesCpuTestPhase) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(GpuParam("TEST", "dropout_ratio: 0.3"), {{3, 5, 7, 9}}, opt);
}

TEST(DropoutGpu, MatchesCpuTestPhaseInPlace) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  opt.in_place = true;
  test::ExpectGpuMatchesCpu(GpuParam("TEST"), {{2, 3, 11, 13}}, opt);
}

TEST(DropoutGpu, TrainPhaseRunsAndKeepsShapes) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.compare_values = false;
  test::ExpectGpuMatchesCpu(GpuParam("TRAIN"), {{3, 5, 7, 9}}, opt);
}

// Every output is 0 or x * scale; the kept fraction is close to 1 - ratio;
// backward routes dy through exactly the units forward kept, with the same
// scale, and zeroes the rest.
void ExpectTrainStatistics(bool in_place) {
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1721);
  const float ratio = 0.3f;
  const float scale = 1.f / (1.f - ratio);
  // 2^20 + 7 units: the kept fraction has standard deviation
  // sqrt(0.3 * 0.7 / n) ~ 4.5e-4; the bound below is 11 of those.
  const int n = (1 << 20) + 7;
  Blob x({n}), dy({n}), y;
  // Inputs away from 0, so a kept unit never reads as a dropped one.
  test::FillUniform(&x, 0.5f, 1.5f);
  FillGaussian(&dy);
  const std::vector<float> x_values = DataOf(x);
  Blob* top = in_place ? &x : &y;
  auto layer = Make("TRAIN", "dropout_ratio: 0.3");
  layer->SetUp({&x}, {top});
  layer->Forward({&x}, {top});
  const std::vector<float> out = DataOf(*top);
  int kept = 0, bad = 0;
  for (int i = 0; i < n && bad < 10; ++i) {
    if (out[i] == 0.f) continue;
    ++kept;
    if (out[i] != x_values[i] * scale) {
      ++bad;
      ADD_FAILURE() << "element " << i << ": " << out[i] << " is neither 0 nor " << x_values[i] * scale;
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - ratio, 0.005);

  SetDiff(top, dy);
  layer->Backward({top}, {true}, {&x});
  const float* dx = x.cpu_diff();
  const float* g = dy.cpu_data();
  bad = 0;
  for (int i = 0; i < n && bad < 10; ++i) {
    const float expected = out[i] == 0.f ? 0.f : g[i] * scale;
    if (dx[i] != expected) {
      ++bad;
      ADD_FAILURE() << "element " << i << ": dx " << dx[i] << ", expected " << expected;
    }
  }
}

TEST(DropoutGpu, TrainMaskStatisticsAndBackward) {
  SKIP_WITHOUT_GPU();
  ExpectTrainStatistics(false);
}

TEST(DropoutGpu, TrainMaskStatisticsAndBackwardInPlace) {
  SKIP_WITHOUT_GPU();
  ExpectTrainStatistics(true);
}

// The same seed gives the same GPU mask; the next forward draws a new one.
TEST(DropoutGpu, SeedMakesMaskRepeatable) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob x({1001}), y1, y2;
  std::fill(x.mutable_cpu_data(), x.mutable_cpu_data() + x.count(), 1.f);
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

// A mask drawn by the GPU forward serves a CPU backward (and the reverse):
// the mask lives in synced memory.
TEST(DropoutGpu, MaskCrossesDevices) {
  SKIP_WITHOUT_GPU();
  Context::set_random_seed(1722);
  Blob x({3, 5, 7}), y;
  std::fill(x.mutable_cpu_data(), x.mutable_cpu_data() + x.count(), 1.f);
  auto layer = Make("TRAIN");
  layer->SetUp({&x}, {&y});
  for (bool forward_on_gpu : {true, false}) {
    if (forward_on_gpu) {
      test::ScopedGpuMode gpu;
      layer->Forward({&x}, {&y});
    } else {
      layer->Forward({&x}, {&y});
    }
    std::fill(y.mutable_cpu_diff(), y.mutable_cpu_diff() + y.count(), 1.f);
    if (forward_on_gpu) {
      layer->Backward({&y}, {true}, {&x});
    } else {
      test::ScopedGpuMode gpu;
      layer->Backward({&y}, {true}, {&x});
    }
    // With x = 1 and dy = 1, the output and the gradient are the same map.
    EXPECT_EQ(DiffOf(x), DataOf(y)) << (forward_on_gpu ? "GPU forward, CPU backward" : "CPU forward, GPU backward");
  }
}

TEST(DropoutGpu, GradientTrain) {
  SKIP_WITHOUT_GPU();
  // The checker reseeds before every forward, which restarts the GPU
  // generator too, so every forward draws the same mask.
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1723);
  Blob x(2, 3, 5, 3), y;
  FillGaussian(&x);
  auto layer = Make("TRAIN", "dropout_ratio: 0.4");
  CheckGradient(*layer, {&x}, {&y});
}

TEST(DropoutGpu, GradientTest) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1724);
  Blob x({2, 3, 5}), y;
  FillGaussian(&x);
  auto layer = Make("TEST");
  CheckGradient(*layer, {&x}, {&y});
}

}  // namespace
}  // namespace cnn
