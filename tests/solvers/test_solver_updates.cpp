// Each solver's first updates on a one-neuron regression, checked against
// the update rule written out independently here in double precision.
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <functional>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// x = (2, 2) (constant), target 1; prediction w.x + b; Euclidean loss r^2/2.
const char* kNet = R"(
  name: "tiny"
  layer { name: "data" type: "DummyData" top: "x" top: "y"
    dummy_data_param { shape { dim: BATCH dim: 2 } shape { dim: BATCH dim: 1 }
      data_filler { type: "XFILL" value: 2 min: -1 max: 1 } data_filler { type: "constant" value: 1 } } }
  layer { name: "fc" type: "InnerProduct" bottom: "x" top: "p"
    param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
    inner_product_param { num_output: 1
      weight_filler { type: "constant" value: 0.5 } bias_filler { type: "constant" value: 0.1 } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos; (pos = s.find(from)) != std::string::npos;) s.replace(pos, from.size(), to);
  return s;
}

SolverParameter MakeParam(const std::string& type, int batch = 1, const std::string& xfill = "constant") {
  SolverParameter p;
  const std::string net = Replace(Replace(kNet, "BATCH", std::to_string(batch)), "XFILL", xfill);
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(net, p.mutable_net_param()));
  p.set_type(type);
  p.set_base_lr(0.1f);
  p.set_lr_policy("fixed");
  p.set_weight_decay(0.01f);
  p.set_max_iter(10);
  p.set_snapshot_after_train(false);
  p.set_random_seed(7);
  if (type == "SGD" || type == "Nesterov") p.set_momentum(0.9f);
  if (type == "AdaDelta") p.set_momentum(0.95f);
  if (type == "Adam" || type == "AdamW") p.set_momentum(0.9f);
  return p;
}

// Parameters as the test tracks them: w0, w1, b.
struct Model {
  double v[3] = {0.5, 0.5, 0.1};
  double h1[3] = {0, 0, 0}, h2[3] = {0, 0, 0};
};

std::vector<double> Weights(Solver& s) {
  const auto& params = s.net().learnable_params();
  return {params[0]->cpu_data()[0], params[0]->cpu_data()[1], params[1]->cpu_data()[0]};
}

// One reference step of `type` from constant x = 2, y = 1.
void ReferenceStep(const SolverParameter& p, int iter, Model* m, double clip = -1) {
  const double r = m->v[0] * 2 + m->v[1] * 2 + m->v[2] - 1;
  double g[3] = {r * 2, r * 2, r};
  if (clip > 0) {
    const double norm = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (norm > clip)
      for (double& gi : g) gi *= clip / norm;
  }
  const double lr_mult[3] = {1, 1, 2}, decay_mult[3] = {1, 1, 0};
  for (int i = 0; i < 3; ++i) {
    const double w = m->v[i];
    const double decay = p.weight_decay() * decay_mult[i];
    // AdamW takes the decay from the weight in its step, not through the gradient.
    if (p.type() != "AdamW") g[i] += p.regularization_type() == "L1" ? decay * ((w > 0) - (w < 0)) : decay * w;
    const double lr = p.base_lr() * lr_mult[i];
    const double mom = p.momentum(), delta = p.delta();
    double step = 0;
    if (p.type() == "SGD") {
      m->h1[i] = mom * m->h1[i] + lr * g[i];
      step = m->h1[i];
    } else if (p.type() == "Nesterov") {
      const double old = m->h1[i];
      m->h1[i] = mom * m->h1[i] + lr * g[i];
      step = (1 + mom) * m->h1[i] - mom * old;
    } else if (p.type() == "AdaGrad") {
      m->h1[i] += g[i] * g[i];
      step = lr * g[i] / (std::sqrt(m->h1[i]) + delta);
    } else if (p.type() == "RMSProp") {
      m->h1[i] = p.rms_decay() * m->h1[i] + (1 - p.rms_decay()) * g[i] * g[i];
      step = lr * g[i] / (std::sqrt(m->h1[i]) + delta);
    } else if (p.type() == "AdaDelta") {
      m->h1[i] = mom * m->h1[i] + (1 - mom) * g[i] * g[i];
      const double u = g[i] * std::sqrt((m->h2[i] + delta) / (m->h1[i] + delta));
      m->h2[i] = mom * m->h2[i] + (1 - mom) * u * u;
      step = lr * u;
    } else if (p.type() == "Adam" || p.type() == "AdamW") {
      const double b1 = p.momentum(), b2 = p.momentum2();
      m->h1[i] = b1 * m->h1[i] + (1 - b1) * g[i];
      m->h2[i] = b2 * m->h2[i] + (1 - b2) * g[i] * g[i];
      const int t = iter + 1;
      const double corr = std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
      step = lr * corr * m->h1[i] / (std::sqrt(m->h2[i]) + delta);
      if (p.type() == "AdamW") step += lr * decay * w;
    }
    m->v[i] -= step;
  }
}

void ExpectMatchesReference(const SolverParameter& p, int steps, double clip = -1) {
  auto solver = SolverRegistry::Create(p);
  Model m;
  for (int it = 0; it < steps; ++it) {
    solver->Step(1);
    ReferenceStep(p, it, &m, clip);
    const auto w = Weights(*solver);
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(w[i], m.v[i], 1e-5 * std::max(1.0, std::fabs(m.v[i])))
          << p.type() << " step " << it + 1 << " param " << i;
  }
}

class SolverUpdate : public ::testing::TestWithParam<std::string> {};

TEST_P(SolverUpdate, OneAndTwoStepsMatchTheRuleL2) { ExpectMatchesReference(MakeParam(GetParam()), 2); }

TEST_P(SolverUpdate, ThreeStepsL1) {
  auto p = MakeParam(GetParam());
  p.set_regularization_type("L1");
  if (GetParam() == "AdamW") {
    const std::string message = test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); });
    EXPECT_NE(message.find("s.prototxt: solver type AdamW"), std::string::npos) << message;
    return;
  }
  ExpectMatchesReference(p, 3);
}

TEST_P(SolverUpdate, ClipGradientsScalesTheGlobalNorm) {
  auto p = MakeParam(GetParam());
  p.set_clip_gradients(0.5f);
  ExpectMatchesReference(p, 2, 0.5);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SolverUpdate,
                         ::testing::Values("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdamW"));

// AdamW's first step, worked by hand: r = 2 * 0.5 + 2 * 0.5 + 0.1 - 1 = 1.1,
// so g = (2.2, 2.2, 1.1). At t = 1 the bias-corrected m / sqrt(v) is sign(g)
// (to 1.5e-7 for delta 1e-8), so each weight moves by its lr against the
// gradient, and the decoupled decay adds lr * weight_decay * w = 0.1 * 0.01 *
// 0.5 = 0.0005 to the weights' step: 0.5 - 0.1 - 0.0005 = 0.3995; the bias
// (lr_mult 2, decay_mult 0): 0.1 - 0.2 = -0.1. Adam would give 0.4 (the
// decay enters its gradient, which its normalisation then cancels).
TEST(Solver, AdamWFirstStepByHand) {
  auto solver = SolverRegistry::Create(MakeParam("AdamW"));
  solver->Step(1);
  const auto w = Weights(*solver);
  EXPECT_NEAR(w[0], 0.3995, 1e-6);
  EXPECT_NEAR(w[1], 0.3995, 1e-6);
  EXPECT_NEAR(w[2], -0.1, 1e-6);
  auto adam = SolverRegistry::Create(MakeParam("Adam"));
  adam->Step(1);
  EXPECT_NEAR(Weights(*adam)[0], 0.4, 1e-6);
}

TEST(Solver, LrMultZeroFreezesAParameter) {
  auto p = MakeParam("SGD");
  auto* fc = p.mutable_net_param()->mutable_layer(1);
  fc->mutable_param(0)->set_lr_mult(0);
  fc->mutable_param(0)->set_decay_mult(0);
  auto solver = SolverRegistry::Create(p);
  solver->Step(3);
  const auto w = Weights(*solver);
  EXPECT_EQ(w[0], 0.5);
  EXPECT_EQ(w[1], 0.5);
  EXPECT_NE(w[2], 0.1f);
}

TEST(Solver, IterSizeEqualsALargerBatch) {
  // Uniform random inputs drawn in the same order either way.
  auto big = MakeParam("SGD", 4, "uniform");
  auto small = MakeParam("SGD", 2, "uniform");
  small.set_iter_size(2);
  auto a = SolverRegistry::Create(big);
  auto b = SolverRegistry::Create(small);
  // Setup draws differ in size; reseed so both runs see the same stream of examples.
  Context::set_random_seed(99);
  a->Step(3);
  Context::set_random_seed(99);
  b->Step(3);
  const auto wa = Weights(*a), wb = Weights(*b);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(wa[i], wb[i], 1e-5) << "param " << i;
}

TEST(Solver, DeprecatedSolverTypeEnumSelectsTheSolver) {
  auto p = MakeParam("SGD");
  p.clear_type();
  p.set_solver_type(SolverParameter::ADAGRAD);
  p.set_momentum(0);
  EXPECT_STREQ(SolverRegistry::Create(p)->type(), "AdaGrad");
}

TEST(Solver, BadParametersAreErrors) {
  EXPECT_THROW(SolverRegistry::Create(MakeParam("Adamax")), Error);
  auto p = MakeParam("RMSProp");
  p.set_momentum(0.9f);
  EXPECT_THROW(SolverRegistry::Create(p), Error);
  SolverParameter empty;
  empty.set_lr_policy("fixed");
  try {
    SolverRegistry::Create(empty, "s.prototxt");
    FAIL() << "a solver without a net must not build";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no train net"), std::string::npos) << e.what();
  }
  auto q = MakeParam("SGD");
  q.add_test_net_param()->CopyFrom(q.net_param());
  q.clear_net_param();
  q.mutable_train_net_param()->CopyFrom(q.test_net_param(0));
  EXPECT_THROW(SolverRegistry::Create(q), Error);  // a test net without test_iter
}

TEST(Solver, SnapshotAndRestoreContinueExactly) {
  const std::string dir = test::MakeTempDir();
  for (const std::string type : {"SGD", "Adam", "AdamW"}) {
    auto p = MakeParam(type, 2, "uniform");
    p.set_snapshot_prefix(dir + "/" + type);
    auto straight = SolverRegistry::Create(p);
    straight->Step(4);

    auto first = SolverRegistry::Create(p);
    first->Step(2);
    first->Snapshot();
    auto resumed = SolverRegistry::Create(p);
    resumed->Restore(dir + "/" + type + "_iter_2.solverstate");
    EXPECT_EQ(resumed->iter(), 2);
    resumed->Step(2);
    EXPECT_EQ(Weights(*straight), Weights(*resumed)) << type;
  }
}

TEST(Solver, RestoreRejectsAStateOfAnotherSolverType) {
  const std::string dir = test::MakeTempDir();
  auto p = MakeParam("Adam");
  p.set_snapshot_prefix(dir + "/adam");
  SolverRegistry::Create(p)->Snapshot();
  auto sgd = SolverRegistry::Create(MakeParam("SGD"));
  EXPECT_THROW(sgd->Restore(dir + "/adam_iter_0.solverstate"), Error);
}

}  // namespace
}  // namespace cnn
