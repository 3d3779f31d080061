// Every solver's update on the GPU against the same solver on the CPU: the
// same small net, the same starting weights and the same hand-fed data,
// trained for a few iterations each way; the learned weights and the solver
// histories must agree. The forward/backward passes themselves differ by
// float rounding between the devices (cuBLAS vs OpenBLAS summation order),
// and a few iterations carry that forward, so the comparison is to a
// tolerance rather than bit for bit.
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/synced_memory.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// Inputs come from Input tops filled by hand (Forward leaves them alone), so
// both devices see identical data every iteration; no layer draws random
// numbers after setup. Odd sizes keep the kernels' tails exercised, and the
// lr/decay multipliers differ per blob so every local rate is distinct.
const char* kNet = R"(
  name: "solver_gpu"
  layer { name: "in" type: "Input" top: "x" top: "y"
    input_param { shape { dim: 5 dim: 7 } shape { dim: 5 dim: 3 } } }
  layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h"
    param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
    inner_product_param { num_output: 11
      weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
  layer { name: "act" type: "TanH" bottom: "h" top: "h" }
  layer { name: "fc2" type: "InnerProduct" bottom: "h" top: "p"
    param { lr_mult: 0.5 decay_mult: 2 } param { lr_mult: 1 decay_mult: 0.5 }
    inner_product_param { num_output: 3
      weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
)";

constexpr int kSteps = 5;
// |gpu - cpu| <= kTolerance * max(|cpu|, largest |cpu| in the blob): relative
// to the blob's scale, so that near-zero elements of a blob are not held to a
// tighter bound than rounding in the forward/backward pass allows. A wrong
// update rule is off by O(1) of the scale.
constexpr float kTolerance = 1e-4f;

SolverParameter MakeParam(const std::string& type) {
  SolverParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kNet, p.mutable_net_param()));
  p.set_type(type);
  p.set_base_lr(0.05f);
  p.set_lr_policy("step");  // the rate changes mid-run: both devices must follow it
  p.set_gamma(0.5f);
  p.set_stepsize(3);
  p.set_weight_decay(0.01f);
  p.set_max_iter(100);
  p.set_display(0);
  p.set_snapshot_after_train(false);
  p.set_random_seed(11);
  if (type == "SGD" || type == "Nesterov" || type == "Adam" || type == "AdamW") p.set_momentum(0.9f);
  if (type == "AdaDelta") {
    p.set_momentum(0.95f);
    p.set_delta(1e-6f);
    p.set_base_lr(1.f);
  }
  if (type == "RMSProp") p.set_rms_decay(0.9f);
  return p;
}

std::vector<float> Pattern(int n, float a, float b) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(std::sin(a * i + b));
  return v;
}

struct Result {
  std::vector<std::vector<float>> params;
  std::vector<std::vector<float>> history;
};

// Builds the solver in the current mode, loads `initial` weights and the fixed
// data, trains kSteps iterations and returns the weights and histories (read
// back through a snapshot, which is how histories leave a solver).
Result Train(const SolverParameter& param, const std::vector<std::vector<float>>& initial,
             const std::string& prefix, bool expect_on_gpu) {
  SolverParameter p = param;
  p.set_snapshot_prefix(prefix);
  auto solver = SolverRegistry::Create(p);
  Net& net = solver->net();
  const auto& learnable = net.learnable_params();
  EXPECT_EQ(learnable.size(), initial.size());
  for (size_t i = 0; i < learnable.size() && i < initial.size(); ++i) test::FillValues(learnable[i], initial[i]);
  Blob* x = net.blob_by_name("x").get();
  Blob* y = net.blob_by_name("y").get();
  test::FillValues(x, Pattern(x->count(), 0.7f, 0.3f));
  test::FillValues(y, Pattern(y->count(), 1.3f, -0.2f));

  solver->Step(kSteps);

  if (expect_on_gpu) {
    // The last thing to touch each parameter was the device: its step was
    // computed there (diff) and applied there (data), with no host copy.
    for (size_t i = 0; i < learnable.size(); ++i) {
      EXPECT_EQ(learnable[i]->data()->head(), SyncedMemory::Head::AT_GPU) << "param " << i << " data";
      EXPECT_EQ(learnable[i]->diff()->head(), SyncedMemory::Head::AT_GPU) << "param " << i << " diff";
    }
  }

  Result r;
  for (const Blob* b : learnable) r.params.push_back(test::DataOf(*b));
  solver->Snapshot();
  SolverState state;
  ReadProtoFromBinaryFile(prefix + "_iter_" + std::to_string(kSteps) + ".solverstate", &state);
  for (const auto& h : state.history()) r.history.emplace_back(h.data().begin(), h.data().end());
  return r;
}

void ExpectClose(const std::vector<std::vector<float>>& gpu, const std::vector<std::vector<float>>& cpu,
                 const std::string& what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  for (size_t b = 0; b < cpu.size(); ++b) {
    ASSERT_EQ(gpu[b].size(), cpu[b].size()) << what << " " << b;
    float scale = 0.f;
    for (float v : cpu[b]) scale = std::max(scale, std::fabs(v));
    EXPECT_GT(scale, 0.f) << what << " " << b << " is all zeros: the run did not exercise it";
    int failures = 0;
    for (size_t i = 0; i < cpu[b].size() && failures < 5; ++i) {
      const float bound = kTolerance * std::max(std::fabs(cpu[b][i]), scale);
      if (!(std::fabs(gpu[b][i] - cpu[b][i]) <= bound)) {
        ++failures;
        ADD_FAILURE() << what << " blob " << b << " [" << i << "]: gpu " << gpu[b][i] << " cpu " << cpu[b][i]
                      << " (bound " << bound << ")";
      }
    }
  }
}

void ExpectGpuMatchesCpu(const SolverParameter& p) {
  const std::string dir = test::MakeTempDir();
  // Starting weights from the CPU net's fillers, loaded into both runs, so
  // the comparison does not depend on which generator a GPU-mode filler uses.
  std::vector<std::vector<float>> initial;
  {
    SolverParameter q = p;
    q.set_snapshot_prefix(dir + "/init");
    auto solver = SolverRegistry::Create(q);
    for (const Blob* b : solver->net().learnable_params()) initial.push_back(test::DataOf(*b));
  }
  const Result cpu = Train(p, initial, dir + "/cpu", false);
  Result gpu;
  {
    test::ScopedGpuMode gpu_mode;
    gpu = Train(p, initial, dir + "/gpu", true);
  }
  // The weights must have moved, or the comparison proves nothing.
  bool moved = false;
  for (size_t b = 0; b < initial.size(); ++b) moved = moved || cpu.params[b] != initial[b];
  EXPECT_TRUE(moved) << p.type() << ": the CPU run did not change the weights";
  ExpectClose(gpu.params, cpu.params, p.type() + " params");
  ExpectClose(gpu.history, cpu.history, p.type() + " history");
}

class SolverGpu : public ::testing::TestWithParam<std::string> {};

TEST_P(SolverGpu, MatchesCpuL2) {
  SKIP_WITHOUT_GPU();
  ExpectGpuMatchesCpu(MakeParam(GetParam()));
}

TEST_P(SolverGpu, MatchesCpuL1) {
  SKIP_WITHOUT_GPU();
  if (GetParam() == "AdamW") GTEST_SKIP() << "AdamW refuses L1 (its decay is decoupled L2)";
  auto p = MakeParam(GetParam());
  p.set_regularization_type("L1");
  p.set_weight_decay(0.02f);
  ExpectGpuMatchesCpu(p);
}

TEST_P(SolverGpu, MatchesCpuWithoutWeightDecay) {
  SKIP_WITHOUT_GPU();
  auto p = MakeParam(GetParam());
  p.set_weight_decay(0.f);
  ExpectGpuMatchesCpu(p);
}

TEST_P(SolverGpu, MatchesCpuClipGradients) {
  SKIP_WITHOUT_GPU();
  auto p = MakeParam(GetParam());
  // Well below this net's gradient norm (order 1), so every step is clipped.
  p.set_clip_gradients(0.05f);
  ExpectGpuMatchesCpu(p);
}

TEST_P(SolverGpu, MatchesCpuIterSize) {
  SKIP_WITHOUT_GPU();
  auto p = MakeParam(GetParam());
  p.set_iter_size(3);
  ExpectGpuMatchesCpu(p);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SolverGpu,
                         ::testing::Values("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdamW"));

TEST(SolverGpu, SgdWithoutMomentumMatchesCpu) {
  SKIP_WITHOUT_GPU();
  auto p = MakeParam("SGD");
  p.set_momentum(0.f);
  ExpectGpuMatchesCpu(p);
}

}  // namespace
}  // namespace cnn
