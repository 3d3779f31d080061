#include <gtest/gtest.h>

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/solvers/lr_policy.hpp"

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
  EXPECT_THROW(ValidateLearningRatePolicy(Policy("cosine")), Error);
  SolverParameter p;
  EXPECT_THROW(ValidateLearningRatePolicy(p), Error);
  p.set_lr_policy("step");
  p.set_gamma(0.1f);
  EXPECT_THROW(ValidateLearningRatePolicy(p), Error);  // no stepsize
}

}  // namespace
}  // namespace cnn
