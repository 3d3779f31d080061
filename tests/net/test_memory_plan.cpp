// share_activations: a forward-only net whose activations take turns in
// shared buffers computes exactly what the same net computes with a buffer
// per blob, holds less, keeps what the caller reads, and refuses backward.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/cpu_memory_limit.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

NetParameter Parse(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << text;
  return p;
}

NetParameter Deploy(const std::string& model, int batch) {
  NetParameter p = ReadNetParamsFromTextFile(test::SourcePath("models/" + model + "/deploy.prototxt"));
  for (auto& lp : *p.mutable_layer()) {
    if (lp.type() != "Input") continue;
    for (auto& shape : *lp.mutable_input_param()->mutable_shape()) shape.set_dim(0, batch);
  }
  return p;
}

bool SameBits(const Blob& a, const Blob& b) {
  return a.shape() == b.shape() && std::memcmp(a.cpu_data(), b.cpu_data(), sizeof(float) * a.count()) == 0;
}

// Builds `param` with and without the plan (same weights), runs both on the
// same random inputs twice (the second pass catches a layer that leans on
// what its top held before) and compares every output to the bit. Returns
// the plan. Both nets run their layers one by one (CNN_FUSE=0): a planned
// net fuses more (a residual block's sum into its convolution,
// dnnl_post_ops.hpp), which changes rounding; tests/layers/dnnl/
// test_dnnl_post_ops.cpp compares that.
MemoryPlan ExpectSameOutputs(NetParameter param) {
  param.mutable_state()->set_phase(TEST);
  Context::set_random_seed(1234);
  setenv("CNN_FUSE", "0", 1);
  Net plain(param);
  param.set_share_activations(true);
  Net planned(param);
  unsetenv("CNN_FUSE");
  planned.ShareTrainedLayersWith(plain);
  EXPECT_FALSE(plain.activations_shared());
  EXPECT_TRUE(planned.activations_shared());
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < plain.input_blobs().size(); ++i) {
      test::FillGaussian(plain.input_blobs()[i]);
      planned.input_blobs()[i]->CopyFrom(*plain.input_blobs()[i]);
    }
    plain.Forward();
    planned.Forward();
    for (size_t i = 0; i < plain.output_blobs().size(); ++i) {
      EXPECT_TRUE(SameBits(*plain.output_blobs()[i], *planned.output_blobs()[i]))
          << param.name() << " pass " << pass << ": output '" << plain.blob_name(plain.output_blobs()[i])
          << "' differs";
    }
  }
  return planned.memory_plan();
}

// Four same-sized convolutions, each followed by an in-place ReLU: conv1's
// storage is free again once conv2 has read it, so conv3 can take it;
// conv2 overlaps both and keeps its own; conv4 is the output.
const char* kChain = R"(
  name: "chain"
  layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 4 dim: 8 dim: 8 } } }
  layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
  layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
  layer { name: "conv3" type: "Convolution" bottom: "conv2" top: "conv3"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "relu3" type: "ReLU" bottom: "conv3" top: "conv3" }
  layer { name: "conv4" type: "Convolution" bottom: "conv3" top: "conv4"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
)";

TEST(MemoryPlan, StoragesWhoseLifetimesDoNotOverlapShareOneBuffer) {
  const MemoryPlan plan = ExpectSameOutputs(Parse(kChain));
  const size_t one = 2 * 4 * 8 * 8 * sizeof(float);
  EXPECT_EQ(plan.storages_planned, 3);  // conv1, conv2, conv3
  EXPECT_EQ(plan.buffers, 1);           // conv1 and conv3 in one
  EXPECT_EQ(plan.bytes_before, 3 * one);
  EXPECT_EQ(plan.bytes_after, 2 * one);
  EXPECT_EQ(plan.bytes_kept, 2 * one);  // data and conv4

  NetParameter param = Parse(kChain);
  param.set_share_activations(true);
  Net net(param);
  EXPECT_EQ(net.blob_by_name("conv1")->data(), net.blob_by_name("conv3")->data());
  EXPECT_NE(net.blob_by_name("conv2")->data(), net.blob_by_name("conv1")->data());
}

// Split copies, Flatten and Reshape views, Slice, Concat and Eltwise: the
// views alias their source, so the source lives until the views' readers
// are done.
const char* kBranches = R"(
  name: "branches"
  layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 3 dim: 6 dim: 5 dim: 5 } } }
  layer { name: "a" type: "Convolution" bottom: "data" top: "a"
          convolution_param { num_output: 6 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "a_relu" type: "ReLU" bottom: "a" top: "a" }
  layer { name: "b" type: "Convolution" bottom: "a" top: "b"
          convolution_param { num_output: 6 kernel_size: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "sum" }
  layer { name: "flat" type: "Flatten" bottom: "sum" top: "flat" }
  layer { name: "back" type: "Reshape" bottom: "flat" top: "back" reshape_param { shape { dim: 0 dim: 6 dim: 5 dim: 5 } } }
  layer { name: "halves" type: "Slice" bottom: "back" top: "h1" top: "h2" slice_param { axis: 1 } }
  layer { name: "c" type: "Convolution" bottom: "h1" top: "c"
          convolution_param { num_output: 3 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "tanh" type: "TanH" bottom: "h2" top: "t" }
  layer { name: "cat" type: "Concat" bottom: "c" bottom: "t" bottom: "sum" top: "cat" }
  layer { name: "pool" type: "Pooling" bottom: "cat" top: "pool" pooling_param { pool: AVE global_pooling: true } }
  layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
          inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
  layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
)";

TEST(MemoryPlan, ViewsSplitsConcatAndEltwiseGiveTheSameBits) {
  const MemoryPlan plan = ExpectSameOutputs(Parse(kBranches));
  EXPECT_GT(plan.buffers, 0);
  EXPECT_LT(plan.bytes_after, plan.bytes_before);
}

TEST(MemoryPlan, KeptBlobsHoldTheirValuesAfterForward) {
  NetParameter param = Parse(kBranches);
  Context::set_random_seed(9);
  Net plain(param);
  param.set_share_activations(true);
  param.add_keep_blob("b");
  param.add_keep_blob("c");
  Net planned(param);
  planned.ShareTrainedLayersWith(plain);
  test::FillGaussian(plain.input_blobs()[0]);
  planned.input_blobs()[0]->CopyFrom(*plain.input_blobs()[0]);
  plain.Forward();
  planned.Forward();
  EXPECT_TRUE(SameBits(*plain.blob_by_name("b"), *planned.blob_by_name("b")));
  EXPECT_TRUE(SameBits(*plain.blob_by_name("c"), *planned.blob_by_name("c")));
  EXPECT_TRUE(SameBits(*plain.blob_by_name("data"), *planned.blob_by_name("data")));
}

TEST(MemoryPlan, BackwardAndUnknownKeptBlobsAreRefused) {
  NetParameter param = Parse(kChain);
  param.set_share_activations(true);
  Net net(param);
  net.Forward();
  EXPECT_NE(test::ErrorOf([&] { net.Backward(); }).find("share_activations"), std::string::npos);
  param.add_keep_blob("nope");
  EXPECT_NE(test::ErrorOf([&] { Net bad(param); }).find("keep_blob 'nope'"), std::string::npos);
}

TEST(MemoryPlan, OffByDefault) {
  Net net(Parse(kChain));
  EXPECT_FALSE(net.activations_shared());
  EXPECT_NE(net.blob_by_name("conv1")->data(), net.blob_by_name("conv3")->data());
}

// Host bytes a layer's first forward pass allocates beyond its blobs.
size_t ForwardAllocates(const std::string& layer_text, bool learn_params) {
  auto layer = LayerRegistry::Create(test::ParseLayer(layer_text));
  Blob x(std::vector<int>{4, 8, 16, 16});
  test::FillGaussian(&x);
  layer->SetUp({&x}, {&x});  // in place, as deploy nets run BatchNorm and Scale
  for (size_t p = 0; p < layer->blobs().size(); ++p) {
    layer->blobs()[p]->mutable_cpu_data();
    layer->set_param_propagate_down(static_cast<int>(p), learn_params);
  }
  const size_t before = CpuMemoryInUse();
  layer->Forward({&x}, {&x});
  return CpuMemoryInUse() - before;
}

// What a deploy net runs in place keeps no activation-sized copy nobody
// reads: BatchNorm with global statistics writes no x_hat, and Scale copies
// its input only when its scale's gradient will be taken.
TEST(MemoryPlan, DeployLayersKeepNoActivationSizedCopies) {
  const size_t x_bytes = 4 * 8 * 16 * 16 * sizeof(float);
  const char* bn = R"(name: "bn" type: "BatchNorm" batch_norm_param { use_global_stats: true })";
  EXPECT_LT(ForwardAllocates(bn, true), x_bytes);
  const char* bn_batch = R"(name: "bn" type: "BatchNorm" batch_norm_param { use_global_stats: false })";
  EXPECT_GE(ForwardAllocates(bn_batch, true), x_bytes);
  const char* scale = R"(name: "s" type: "Scale" scale_param { bias_term: true })";
  EXPECT_EQ(ForwardAllocates(scale, false), 0u);
  EXPECT_EQ(ForwardAllocates(scale, true), x_bytes);
}

// The zoo's deploy nets with random weights: GoogLeNet's Concats, ResNet's
// Eltwise shortcuts and in-place BatchNorm/Scale/ReLU, MobileNet's depthwise
// convolutions, the LSTM's unrolled net (its tops alias its inner net's
// blobs), C3D's Reshape and 3-D convolutions.
class ZooDeploy : public ::testing::TestWithParam<std::pair<const char*, int>> {};

TEST_P(ZooDeploy, PlannedNetGivesTheSameBitsWithLessMemory) {
  const auto [model, batch] = GetParam();
  const MemoryPlan plan = ExpectSameOutputs(Deploy(model, batch));
  EXPECT_GT(plan.buffers, 0) << model;
  EXPECT_LT(plan.bytes_after, plan.bytes_before) << model;
}

INSTANTIATE_TEST_SUITE_P(Models, ZooDeploy,
                         ::testing::Values(std::make_pair("googlenet", 2), std::make_pair("resnet50", 1),
                                           std::make_pair("mobilenet_v1", 2), std::make_pair("fmnist_resnet", 4),
                                           std::make_pair("cifar10_full_sigmoid_bn", 4),
                                           std::make_pair("lstm_fmnist", 3), std::make_pair("c3d_clips", 2),
                                           std::make_pair("lenet", 4)),
                         [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace cnn
