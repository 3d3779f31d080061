#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/filler.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;

struct Stats {
  double mean = 0, stddev = 0, min = 0, max = 0, zero_fraction = 0;
};

Stats StatsOf(const Blob& b) {
  const std::vector<float> v = DataOf(b);
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  double sum = 0, zeros = 0;
  for (float x : v) {
    sum += x;
    zeros += x == 0.f;
  }
  s.mean = sum / v.size();
  double var = 0;
  for (float x : v) var += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(var / v.size());
  s.zero_fraction = zeros / v.size();
  return s;
}

FillerParameter Param(const std::string& type) {
  FillerParameter p;
  p.set_type(type);
  return p;
}

void Fill(const FillerParameter& p, Blob* b, uint64_t seed = 1701) {
  Context::set_random_seed(seed);
  CreateFiller(p)->Fill(b);
}

TEST(Filler, ConstantFillsValue) {
  Blob b({3, 4, 5});
  FillerParameter p = Param("constant");
  p.set_value(2.5f);
  Fill(p, &b);
  for (float v : DataOf(b)) EXPECT_EQ(v, 2.5f);
}

TEST(Filler, ConstantDefaultsToZero) {
  Blob b({10});
  test::FillValues(&b, std::vector<float>(10, 3.f));
  Fill(FillerParameter(), &b);
  for (float v : DataOf(b)) EXPECT_EQ(v, 0.f);
}

TEST(Filler, UniformStaysInRange) {
  Blob b({200, 500});
  FillerParameter p = Param("uniform");
  p.set_min(-3.f);
  p.set_max(1.f);
  Fill(p, &b);
  const Stats s = StatsOf(b);
  EXPECT_GE(s.min, -3.0);
  EXPECT_LE(s.max, 1.0);
  EXPECT_LT(s.min, -2.99);
  EXPECT_GT(s.max, 0.99);
  EXPECT_NEAR(s.mean, -1.0, 0.02);
  EXPECT_NEAR(s.stddev, 4.0 / std::sqrt(12.0), 0.02);
}

TEST(Filler, GaussianMatchesMeanAndStd) {
  Blob b({200, 500});
  FillerParameter p = Param("gaussian");
  p.set_mean(1.5f);
  p.set_std(0.5f);
  Fill(p, &b);
  const Stats s = StatsOf(b);
  EXPECT_NEAR(s.mean, 1.5, 0.01);
  EXPECT_NEAR(s.stddev, 0.5, 0.01);
  // 100k normal draws stay well inside 6 sigma.
  EXPECT_GT(s.min, 1.5 - 6 * 0.5);
  EXPECT_LT(s.max, 1.5 + 6 * 0.5);
  EXPECT_EQ(s.zero_fraction, 0.0);
}

TEST(Filler, SparseGaussianKeepsSparseOverShapeZero) {
  // Caffe's rule: keep probability sparse / shape(0) = 10 / 50.
  Blob b({50, 2000});
  FillerParameter p = Param("gaussian");
  p.set_std(1.f);
  p.set_sparse(10);
  Fill(p, &b);
  const Stats s = StatsOf(b);
  EXPECT_NEAR(s.zero_fraction, 0.8, 0.01);
  // The kept weights are still N(0, 1): overall variance shrinks to 0.2.
  EXPECT_NEAR(s.stddev, std::sqrt(0.2), 0.02);
}

TEST(Filler, SparseZeroGivesAllZeros) {
  Blob b({20, 30});
  FillerParameter p = Param("gaussian");
  p.set_sparse(0);
  Fill(p, &b);
  EXPECT_EQ(StatsOf(b).zero_fraction, 1.0);
}

TEST(Filler, SparseRejectedOutsideGaussian) {
  Blob b({4, 4});
  for (const char* type : {"constant", "uniform", "xavier", "msra", "positive_unitball"}) {
    FillerParameter p = Param(type);
    p.set_sparse(2);
    EXPECT_THROW(Fill(p, &b), Error) << type;
  }
}

// A 4-D weight of shape (64, 20, 5, 5): fan_in = 500, fan_out = 64 * 25 = 1600.
constexpr double kFanIn = 500, kFanOut = 1600;

double FanFor(FillerParameter::VarianceNorm norm) {
  switch (norm) {
    case FillerParameter::FAN_OUT:
      return kFanOut;
    case FillerParameter::AVERAGE:
      return (kFanIn + kFanOut) / 2;
    default:
      return kFanIn;
  }
}

class FanFillerTest : public ::testing::TestWithParam<FillerParameter::VarianceNorm> {};

TEST_P(FanFillerTest, XavierBounds) {
  Blob b(64, 20, 5, 5);
  FillerParameter p = Param("xavier");
  p.set_variance_norm(GetParam());
  Fill(p, &b);
  const double scale = std::sqrt(3.0 / FanFor(GetParam()));
  const Stats s = StatsOf(b);
  EXPECT_GE(s.min, -scale - 1e-6);
  EXPECT_LE(s.max, scale + 1e-6);
  EXPECT_LT(s.min, -0.99 * scale);
  EXPECT_GT(s.max, 0.99 * scale);
  EXPECT_NEAR(s.mean, 0.0, 0.02 * scale);
  EXPECT_NEAR(s.stddev, scale / std::sqrt(3.0), 0.02 * scale);
}

TEST_P(FanFillerTest, MsraStd) {
  Blob b(64, 20, 5, 5);
  FillerParameter p = Param("msra");
  p.set_variance_norm(GetParam());
  Fill(p, &b);
  const double stddev = std::sqrt(2.0 / FanFor(GetParam()));
  const Stats s = StatsOf(b);
  EXPECT_NEAR(s.mean, 0.0, 0.03 * stddev);
  EXPECT_NEAR(s.stddev, stddev, 0.02 * stddev);
}

INSTANTIATE_TEST_SUITE_P(VarianceNorms, FanFillerTest,
                         ::testing::Values(FillerParameter::FAN_IN, FillerParameter::FAN_OUT,
                                           FillerParameter::AVERAGE));

TEST(Filler, XavierOnOneDimensionalBlobUsesWholeCount) {
  // fan_in = count / shape(0) = 1 and fan_out = count = 1000 for a bias.
  Blob b({1000});
  FillerParameter p = Param("xavier");
  p.set_variance_norm(FillerParameter::FAN_OUT);
  Fill(p, &b);
  const double scale = std::sqrt(3.0 / 1000);
  const Stats s = StatsOf(b);
  EXPECT_LE(std::max(-s.min, s.max), scale + 1e-6);
  EXPECT_GT(std::max(-s.min, s.max), 0.9 * scale);
}

TEST(Filler, XavierRejectsEmptyBlob) {
  Blob b({0, 3});
  EXPECT_THROW(Fill(Param("xavier"), &b), Error);
}

TEST(Filler, PositiveUnitballRowsSumToOne) {
  Blob b(20, 3, 4, 5);
  Fill(Param("positive_unitball"), &b);
  const std::vector<float> v = DataOf(b);
  const int dim = 60;
  for (int r = 0; r < 20; ++r) {
    double sum = 0;
    for (int j = 0; j < dim; ++j) {
      const float x = v[r * dim + j];
      EXPECT_GE(x, 0.f);
      EXPECT_LE(x, 1.f);
      sum += x;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
  }
}

TEST(Filler, BilinearFourByFourKernel) {
  Blob b(2, 3, 4, 4);
  Fill(Param("bilinear"), &b);
  // f = 2, c = 0.75: the 1-D profile is 1 - |x / 2 - 0.75| = {0.25, 0.75, 0.75, 0.25}.
  const float w[4] = {0.25f, 0.75f, 0.75f, 0.25f};
  const std::vector<float> v = DataOf(b);
  for (int k = 0; k < 6; ++k) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x)
        EXPECT_FLOAT_EQ(v[k * 16 + y * 4 + x], w[y] * w[x]) << k << " " << y << " " << x;
    }
  }
}

TEST(Filler, BilinearOddKernelIsSymmetric) {
  Blob b(1, 1, 3, 3);
  Fill(Param("bilinear"), &b);
  EXPECT_EQ(DataOf(b), (std::vector<float>{0.25f, 0.5f, 0.25f, 0.5f, 1.f, 0.5f, 0.25f, 0.5f, 0.25f}));
}

TEST(Filler, BilinearRejectsBadShapes) {
  Blob not_square(1, 1, 3, 4);
  EXPECT_THROW(Fill(Param("bilinear"), &not_square), Error);
  Blob three_d({1, 4, 4});
  EXPECT_THROW(Fill(Param("bilinear"), &three_d), Error);
}

TEST(Filler, SameSeedSameValues) {
  for (const char* type : {"gaussian", "uniform", "xavier", "msra", "positive_unitball"}) {
    Blob a(8, 4, 3, 3);
    Blob b(8, 4, 3, 3);
    Blob c(8, 4, 3, 3);
    Fill(Param(type), &a, 42);
    Fill(Param(type), &b, 42);
    Fill(Param(type), &c, 43);
    EXPECT_EQ(DataOf(a), DataOf(b)) << type;
    EXPECT_NE(DataOf(a), DataOf(c)) << type;
  }
}

TEST(Filler, UnknownTypeThrowsListingKnownTypes) {
  try {
    CreateFiller(Param("foo"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown filler type 'foo'"), std::string::npos) << msg;
    for (const char* known :
         {"constant", "gaussian", "uniform", "xavier", "msra", "positive_unitball", "bilinear"})
      EXPECT_NE(msg.find(known), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace cnn
