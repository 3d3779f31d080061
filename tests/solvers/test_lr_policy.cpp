#include <gtest/gtest.h>

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/solvers/lr_policy.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

SolverParameter Policy(const std::string& name) {
  SolverParameter p;
  p.set_lr_policy(name);
  p.set_base_lr(0.1f);
  p.set_gamma(0.5f);
  p.set_power(0.75f);
  p.set_stepsize(100);
  p.set_max_iter(1000);
  return p;
}

float Rate(const SolverParameter& p, int iter) {
  int step = 0;
  return LearningRate(p, iter, &step);
}

TEST(LearningRate, Fixed) {
  EXPECT_FLOAT_EQ(Rate(Policy("fixed"), 0), 0.1f);
  EXPECT_FLOAT_EQ(Rate(Policy("fixed"), 12345), 0.1f);
}

TEST(LearningRate, Step) {
  const auto p = Policy("step");
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.1f);
  EXPECT_FLOAT_EQ(Rate(p, 99), 0.1f);
  EXPECT_FLOAT_EQ(Rate(p, 100), 0.05f);
  EXPECT_FLOAT_EQ(Rate(p, 250), 0.025f);
}

TEST(LearningRate, Exp) {
  const auto p = Policy("exp");
  EXPECT_FLOAT_EQ(Rate(p, 3), 0.1f * 0.125f);
}

TEST(LearningRate, Inv) {
  auto p = Policy("inv");
  p.set_gamma(1e-4f);
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.1f);
  EXPECT_NEAR(Rate(p, 10000), 0.1 * std::pow(1.0 + 1e-4 * 10000, -0.75), 1e-7);
}

TEST(LearningRate, MultistepAdvancesAndRemembersItsStep) {
  auto p = Policy("multistep");
  p.add_stepvalue(10);
  p.add_stepvalue(20);
  p.add_stepvalue(40);
  int step = 0;
  EXPECT_FLOAT_EQ(LearningRate(p, 9, &step), 0.1f);
  EXPECT_EQ(step, 0);
  EXPECT_FLOAT_EQ(LearningRate(p, 10, &step), 0.05f);
  EXPECT_FLOAT_EQ(LearningRate(p, 39, &step), 0.025f);
  EXPECT_EQ(step, 2);
  EXPECT_FLOAT_EQ(LearningRate(p, 1000, &step), 0.0125f);
  EXPECT_EQ(step, 3);
}

TEST(LearningRate, Poly) {
  const auto p = Policy("poly");
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.1f);
  EXPECT_NEAR(Rate(p, 500), 0.1 * std::pow(0.5, 0.75), 1e-7);
  EXPECT_NEAR(Rate(p, 1000), 0.0, 1e-9);
}

TEST(LearningRate, Sigmoid) {
  auto p = Policy("sigmoid");
  p.set_gamma(-0.1f);
  EXPECT_FLOAT_EQ(Rate(p, 100), 0.05f);  // the midpoint is at stepsize
  EXPECT_NEAR(Rate(p, 0), 0.1 / (1 + std::exp(-10.0)), 1e-7);
}

TEST(LearningRate, UnknownPolicyAndMissingParametersAreErrors) {
  EXPECT_THROW(ValidateLearningRatePolicy(Policy("cosinus")), Error);
  SolverParameter p;
  EXPECT_THROW(ValidateLearningRatePolicy(p), Error);
  p.set_lr_policy("step");
  p.set_gamma(0.1f);
  EXPECT_THROW(ValidateLearningRatePolicy(p), Error);  // no stepsize
}

// The rates below are worked by hand: cos(pi / 4) = 0.70710678, so a
// quarter of the way down a period the rate is (1 + 0.70710678) / 2 =
// 0.85355339 of the way from the bottom to base_lr.
TEST(LearningRate, CosineWithoutRestartsGoesFromBaseToMinOverMaxIter) {
  auto p = Policy("cosine");  // base_lr 0.1, max_iter 1000
  ValidateLearningRatePolicy(p);
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.1f);
  EXPECT_FLOAT_EQ(Rate(p, 250), 0.085355339f);
  EXPECT_FLOAT_EQ(Rate(p, 500), 0.05f);
  EXPECT_NEAR(Rate(p, 1000), 0.0, 1e-9);
  EXPECT_NEAR(Rate(p, 1200), 0.0, 1e-9);  // a max_iter raised on resume: stays at the bottom
  p.set_cosine_min_lr(0.01f);
  EXPECT_FLOAT_EQ(Rate(p, 500), 0.055f);  // 0.01 + 0.09 / 2
  EXPECT_FLOAT_EQ(Rate(p, 1000), 0.01f);
}

TEST(LearningRate, CosineRestartsWithGrowingPeriods) {
  auto p = Policy("cosine");
  p.set_cosine_period(100);
  p.set_cosine_period_mult(2);  // periods [0, 100), [100, 300), [300, 700), ...
  ValidateLearningRatePolicy(p);
  EXPECT_FLOAT_EQ(Rate(p, 50), 0.05f);
  EXPECT_FLOAT_EQ(Rate(p, 100), 0.1f);  // a restart
  EXPECT_FLOAT_EQ(Rate(p, 200), 0.05f);  // halfway through the 200-iteration period
  // One iteration before the second restart: (1 + cos(pi * 199 / 200)) / 2 = 6.1685e-5.
  EXPECT_NEAR(Rate(p, 299), 6.1685e-6, 1e-9);
  EXPECT_FLOAT_EQ(Rate(p, 300), 0.1f);
  EXPECT_FLOAT_EQ(Rate(p, 400), 0.085355339f);  // a quarter of the 400-iteration period
  p.set_cosine_period_mult(1);
  EXPECT_FLOAT_EQ(Rate(p, 150), 0.05f);
  EXPECT_FLOAT_EQ(Rate(p, 925), 0.085355339f);
}

TEST(LearningRate, LinearWarmupScalesThePolicy) {
  auto p = Policy("fixed");
  p.set_warmup_iter(100);
  p.set_warmup_start_factor(0.1f);
  ValidateLearningRatePolicy(p);
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.01f);
  EXPECT_FLOAT_EQ(Rate(p, 50), 0.055f);   // factor 0.1 + 0.9 * 0.5
  EXPECT_FLOAT_EQ(Rate(p, 99), 0.0991f);  // factor 0.1 + 0.9 * 0.99
  EXPECT_FLOAT_EQ(Rate(p, 100), 0.1f);
  // Over a step policy: at 150 the policy gives 0.05, the ramp from 0 over 200 is at 0.75.
  auto q = Policy("step");
  q.set_warmup_iter(200);
  q.set_warmup_start_factor(0.f);
  EXPECT_FLOAT_EQ(Rate(q, 150), 0.0375f);
  EXPECT_FLOAT_EQ(Rate(q, 0), 0.f);
}

TEST(LearningRate, ExponentialWarmupIsGeometric) {
  auto p = Policy("fixed");
  p.set_warmup_iter(100);
  p.set_warmup_policy("exponential");
  p.set_warmup_start_factor(0.01f);
  ValidateLearningRatePolicy(p);
  EXPECT_FLOAT_EQ(Rate(p, 0), 0.001f);
  EXPECT_FLOAT_EQ(Rate(p, 50), 0.01f);           // 0.01 ^ 0.5 = 0.1
  EXPECT_FLOAT_EQ(Rate(p, 75), 0.0316227766f);  // 0.01 ^ 0.25
  EXPECT_FLOAT_EQ(Rate(p, 100), 0.1f);
}

TEST(LearningRate, WarmupThenCosine) {
  auto p = Policy("cosine");
  p.set_warmup_iter(100);
  p.set_warmup_start_factor(0.f);
  // cos(pi * 50 / 1000) = 0.98768834: 0.1 * (1 + 0.98768834) / 2 = 0.099384417, halved by the ramp.
  EXPECT_FLOAT_EQ(Rate(p, 50), 0.0496922085f);
  EXPECT_FLOAT_EQ(Rate(p, 500), 0.05f);  // after the warm-up, the policy alone
}

TEST(LearningRate, BadWarmupAndCosineFieldsAreOneClearLine) {
  auto message = [](SolverParameter p) {
    return test::ErrorOf([&] { ValidateLearningRatePolicy(p, "s.prototxt"); });
  };
  auto p = Policy("fixed");
  p.set_warmup_iter(-1);
  EXPECT_EQ(message(p), "s.prototxt: warmup_iter must be >= 0 (0 = no warm-up; got -1)");
  p.set_warmup_iter(10);
  p.set_warmup_policy("cubic");
  EXPECT_EQ(message(p), "s.prototxt: unknown warmup_policy \"cubic\"; known: linear, exponential");
  p.set_warmup_policy("exponential");
  p.set_warmup_start_factor(0.f);
  EXPECT_NE(message(p).find("warmup_start_factor must be in (0, 1]"), std::string::npos) << message(p);
  p.set_warmup_policy("linear");
  p.set_warmup_start_factor(1.5f);
  EXPECT_NE(message(p).find("warmup_start_factor must be in [0, 1]"), std::string::npos) << message(p);
  auto c = Policy("cosine");
  c.set_cosine_period(-5);
  EXPECT_NE(message(c).find("cosine_period must be >= 0"), std::string::npos) << message(c);
  c.set_cosine_period(10);
  c.set_cosine_period_mult(0);
  EXPECT_NE(message(c).find("cosine_period_mult must be >= 1 (got 0)"), std::string::npos) << message(c);
  c.set_cosine_period_mult(1);
  c.set_cosine_min_lr(0.5f);
  EXPECT_NE(message(c).find("cosine_min_lr must be in [0, base_lr = 0.1]"), std::string::npos) << message(c);
}

}  // namespace
}  // namespace cnn
