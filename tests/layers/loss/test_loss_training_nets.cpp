// Small nets in the style of Caffe's examples, trained a few SGD steps on
// DummyData: a siamese pair of InnerProducts sharing their weights by name
// feeding ContrastiveLoss, and an InnerProduct "autoencoder" scored by
// SigmoidCrossEntropyLoss against its own input. Both must learn (the loss
// goes down), on the CPU and, where there is one, on the GPU.
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <numeric>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/net/net.hpp"
#include "cnn/solvers/solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

const char* kSiamese = R"(
  name: "siamese"
  layer { name: "pairs" type: "DummyData" top: "left" top: "right" top: "sim"
    dummy_data_param { shape { dim: 32 dim: 8 } shape { dim: 32 dim: 8 } shape { dim: 32 }
      data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 }
      data_filler { type: "uniform" min: 0 max: 1.999 } } }
  layer { name: "embed_left" type: "InnerProduct" bottom: "left" top: "feat_left"
    param { name: "embed_w" lr_mult: 1 } param { name: "embed_b" lr_mult: 2 }
    inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } bias_filler { type: "constant" } } }
  layer { name: "embed_right" type: "InnerProduct" bottom: "right" top: "feat_right"
    param { name: "embed_w" lr_mult: 1 } param { name: "embed_b" lr_mult: 2 }
    inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 } bias_filler { type: "constant" } } }
  layer { name: "loss" type: "ContrastiveLoss" bottom: "feat_left" bottom: "feat_right" bottom: "sim" top: "loss"
    contrastive_loss_param { margin: 1 } }
)";

const char* kAutoencoder = R"(
  name: "autoencoder"
  layer { name: "data" type: "DummyData" top: "data"
    dummy_data_param { shape { dim: 16 dim: 10 } data_filler { type: "uniform" min: 0 max: 1 } } }
  layer { name: "encode" type: "InnerProduct" bottom: "data" top: "code"
    inner_product_param { num_output: 10 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
  layer { name: "decode" type: "InnerProduct" bottom: "code" top: "logits"
    inner_product_param { num_output: 10 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
  layer { name: "loss" type: "SigmoidCrossEntropyLoss" bottom: "logits" bottom: "data" top: "loss" }
)";

SolverParameter Sgd(const char* net, float lr) {
  SolverParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(net, p.mutable_net_param()));
  p.set_type("SGD");
  p.set_base_lr(lr);
  p.set_momentum(0.9f);
  p.set_lr_policy("fixed");
  p.set_max_iter(1000);
  p.set_snapshot_after_train(false);
  p.set_random_seed(1701);
  return p;
}

// Losses of each of `steps` iterations.
std::vector<float> Train(const SolverParameter& p, int steps) {
  auto solver = SolverRegistry::Create(p);
  std::vector<float> losses;
  for (int i = 0; i < steps; ++i) {
    solver->Step(1);
    losses.push_back(solver->net().blob_by_name("loss")->cpu_data()[0]);
  }
  return losses;
}

float Mean(const std::vector<float>& v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.f) / static_cast<float>(to - from);
}

void ExpectSiameseLearns() {
  const SolverParameter p = Sgd(kSiamese, 0.01f);
  {
    Net net(p.net_param());
    // One weight and one bias, shared by both branches.
    EXPECT_EQ(net.learnable_params().size(), 2u);
    for (int p = 0; p < 2; ++p)
      EXPECT_EQ(net.layer_by_name("embed_left")->blobs()[p]->cpu_data(),
                net.layer_by_name("embed_right")->blobs()[p]->cpu_data());
  }
  const std::vector<float> losses = Train(p, 40);
  // Weights of std 1 start the similar pairs far apart (d^2 ~ 64).
  EXPECT_GT(Mean(losses, 0, 3), 3.f);
  EXPECT_LT(Mean(losses, 35, 40), 0.25f * Mean(losses, 0, 3)) << losses.front() << " -> " << losses.back();
}

void ExpectAutoencoderLearns() {
  const std::vector<float> losses = Train(Sgd(kAutoencoder, 0.5f), 60);
  // Near-zero logits cost about log 2 per element, 10 elements per item
  // (BATCH_SIZE normalisation); the best possible, the targets' own entropy,
  // is 0.5 per element.
  EXPECT_GT(losses.front(), 6.5f);
  EXPECT_LT(losses.front(), 8.f);
  EXPECT_LT(Mean(losses, 55, 60), Mean(losses, 0, 5) - 0.1f) << losses.front() << " -> " << losses.back();
}

TEST(LossTrainingNets, SiameseContrastiveLearns) { ExpectSiameseLearns(); }
TEST(LossTrainingNets, AutoencoderSigmoidCrossEntropyLearns) { ExpectAutoencoderLearns(); }

TEST(LossTrainingNetsGpu, SiameseContrastiveLearns) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  ExpectSiameseLearns();
}

TEST(LossTrainingNetsGpu, AutoencoderSigmoidCrossEntropyLearns) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  ExpectAutoencoderLearns();
}

}  // namespace
}  // namespace cnn
