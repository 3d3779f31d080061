// Layouts kept between oneDNN layers (dnnl_layout.hpp): a net run with the
// keeping on gives the same tops, bottom gradients and parameter gradients
// as with it off, every blob a user reads is plain, and fewer reorders run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "cnn/core/context.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

const char* kInput =
    "layer { name: 'in' type: 'Input' top: 'data' top: 'target' input_param { "
    "shape { dim: 2 dim: 3 dim: 12 dim: 12 } shape { dim: 2 dim: 5 } } } ";
const char* kTail =
    "layer { name: 'ip' type: 'InnerProduct' bottom: 'pool' top: 'ip' inner_product_param { num_output: 5 "
    "weight_filler { type: 'gaussian' std: 0.1 } bias_filler { type: 'gaussian' std: 0.1 } } } "
    "layer { name: 'loss' type: 'EuclideanLoss' bottom: 'ip' bottom: 'target' top: 'loss' } ";

std::string Conv(const std::string& name, const std::string& bottom, int out) {
  return "layer { name: '" + name + "' type: 'Convolution' bottom: '" + bottom + "' top: '" + name +
         "' convolution_param { num_output: " + std::to_string(out) +
         " kernel_size: 3 pad: 1 weight_filler { type: 'gaussian' std: 0.2 } "
         "bias_filler { type: 'gaussian' std: 0.1 } } } ";
}

std::string Layer(const std::string& name, const std::string& type, const std::string& bottom,
                  const std::string& top, const std::string& params = "") {
  return "layer { name: '" + name + "' type: '" + type + "' bottom: '" + bottom + "' top: '" + top + "' " +
         params + " } ";
}

// Conv -> ReLU (in place) -> Conv -> AVE pool -> IP: oneDNN all the way.
std::string AllDnnl() {
  return std::string(kInput) + Conv("conv1", "data", 16) + Layer("relu1", "ReLU", "conv1", "conv1") +
         Conv("conv2", "conv1", 32) +
         Layer("pool", "Pooling", "conv2", "pool", "pooling_param { pool: AVE kernel_size: 2 stride: 2 }") + kTail;
}

// Our MAX pooling and a not-in-place ReLU in between.
std::string WithMaxPool() {
  return std::string(kInput) + Conv("conv1", "data", 16) + Layer("relu1", "ReLU", "conv1", "conv1") +
         Layer("max", "Pooling", "conv1", "max", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }") +
         Conv("conv2", "max", 16) + Layer("relu2", "ReLU", "conv2", "relu2") +
         Layer("pool", "Pooling", "relu2", "pool", "pooling_param { pool: AVE kernel_size: 3 stride: 2 }") + kTail;
}

// A ResNet block in Caffe's style: BatchNorm + Scale (+ ReLU) in place
// after each convolution (run fused, fusing_layer.hpp, in the blocked
// layout), two branches summed by Eltwise, and the block's output split
// between the next convolution and the next shortcut.
std::string BnScale(const std::string& blob, bool relu) {
  std::string t = Layer(blob + "_bn", "BatchNorm", blob, blob) +
                  Layer(blob + "_scale", "Scale", blob, blob,
                        "scale_param { bias_term: true filler { type: 'gaussian' mean: 1 std: 0.2 } "
                        "bias_filler { type: 'gaussian' std: 0.2 } }");
  return relu ? t + Layer(blob + "_relu", "ReLU", blob, blob) : t;
}

std::string ResidualBlocks() {
  return std::string(kInput) + Conv("stem", "data", 16) + BnScale("stem", true) +
         Conv("a1", "stem", 16) + BnScale("a1", true) + Conv("a2", "a1", 16) + BnScale("a2", false) +
         Layer("sum_a", "Eltwise", "a2", "sum_a", "bottom: 'stem'") + Layer("relu_a", "ReLU", "sum_a", "sum_a") +
         Conv("b1", "sum_a", 16) + BnScale("b1", false) +
         Layer("sum_b", "Eltwise", "b1", "sum_b", "bottom: 'sum_a' eltwise_param { coeff: 1 coeff: 0.5 }") +
         Layer("pool", "Pooling", "sum_b", "pool", "pooling_param { pool: AVE kernel_size: 2 stride: 2 }") + kTail;
}

// LeNet's channel counts: conv1's 20 outputs stay in nChw16c (its input
// has 3 channels), conv2 (20 -> 50) and conv3 (50 -> 24) run channels-last
// (dnnl_convolution_layer.hpp): MAX pooling in both layouts, nChw16c read
// as nhwc and back, and an AVE pool on nhwc.
std::string LeNetChannels() {
  auto conv = [](const std::string& name, const std::string& bottom, int out) {
    return Layer(name, "Convolution", bottom, name,
                 "convolution_param { num_output: " + std::to_string(out) +
                     " kernel_size: 3 weight_filler { type: 'gaussian' std: 0.2 } "
                     "bias_filler { type: 'gaussian' std: 0.1 } }");
  };
  return std::string(kInput) + conv("conv1", "data", 20) +
         Layer("pool1", "Pooling", "conv1", "pool1", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }") +
         conv("conv2", "pool1", 50) + Layer("relu2", "ReLU", "conv2", "conv2") +
         Layer("pool2", "Pooling", "conv2", "pool2", "pooling_param { pool: MAX kernel_size: 2 stride: 1 }") +
         Layer("conv3", "Convolution", "pool2", "conv3",
               "convolution_param { num_output: 24 kernel_size: 1 weight_filler { type: 'gaussian' std: 0.2 } }") +
         Layer("pool", "Pooling", "conv3", "pool", "pooling_param { pool: AVE kernel_size: 2 stride: 1 }") + kTail;
}

// An inception module in GoogLeNet's style: four branches off one split,
// one of them channels-last (24 -> 32 channels), concatenated in whole
// blocks of 16 channels (the oneDNN concat in nChw16c, the nhwc branch
// converted straight into it), then LRN across channels and a split of
// its own so the concat's gradient arrives summed in the blocked layout.
std::string Inception() {
  auto conv = [](const std::string& name, const std::string& bottom, int out, int kernel) {
    return Layer(name, "Convolution", bottom, name,
                 "convolution_param { num_output: " + std::to_string(out) + " kernel_size: " + std::to_string(kernel) +
                     " pad: " + std::to_string(kernel / 2) +
                     " weight_filler { type: 'gaussian' std: 0.2 } bias_filler { type: 'gaussian' std: 0.1 } }");
  };
  return std::string(kInput) + conv("stem", "data", 16, 3) + Layer("stem_relu", "ReLU", "stem", "stem") +
         conv("b1", "stem", 16, 1) + conv("b2", "stem", 32, 3) + conv("b3_reduce", "stem", 24, 1) +
         conv("b3", "b3_reduce", 32, 3) +
         Layer("b4_pool", "Pooling", "stem", "b4_pool", "pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 1 }") +
         conv("b4", "b4_pool", 16, 1) +
         "layer { name: 'mixed' type: 'Concat' bottom: 'b1' bottom: 'b2' bottom: 'b3' bottom: 'b4' top: 'mixed' } " +
         Layer("norm", "LRN", "mixed", "norm", "lrn_param { local_size: 5 alpha: 0.0001 beta: 0.75 }") +
         conv("after", "norm", 16, 1) + Layer("sum", "Eltwise", "after", "sum", "bottom: 'b1'") +
         Layer("pool", "Pooling", "sum", "pool", "pooling_param { pool: AVE kernel_size: 2 stride: 2 }") + kTail;
}

struct NetRun {
  std::vector<std::vector<float>> data, diff;  // per blob, then per parameter
  int64_t reorders = 0;                        // in the last iteration
  bool kept_somewhere = false;                 // a blob was left in a private layout
  bool channels_last_somewhere = false;        // ... and in nhwc
  std::vector<std::string> blocked_data;       // blobs whose values were left in nChw16c only
};

std::vector<float> Values(const float* p, int n) { return std::vector<float>(p, p + n); }

NetRun RunNet(const std::string& text, bool keep, bool backward = true, bool share = false) {
  dnnl_util::SetKeepLayout(keep);
  NetParameter param;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString("force_backward: true " + text, &param));
  param.set_share_activations(share);
  param.mutable_state()->set_phase(backward ? TRAIN : TEST);
  Context::set_random_seed(1701);
  Net net(param);
  test::FillGaussian(net.blob_by_name("data").get());
  test::FillGaussian(net.blob_by_name("target").get());
  NetRun r;
  for (int iter = 0; iter < 2; ++iter) {
    const int64_t before = dnnl_util::ReorderCount();
    net.ClearParamDiffs();
    if (backward) {
      net.ForwardBackward();
    } else {
      net.Forward();
    }
    r.reorders = dnnl_util::ReorderCount() - before;
  }
  for (const BlobPtr& b : net.blobs()) {
    r.kept_somewhere = r.kept_somewhere || b->data()->head() == SyncedMemory::Head::AT_PRV ||
                       b->diff()->head() == SyncedMemory::Head::AT_PRV;
    for (const SyncedMemory* m : {b->data().get(), b->diff().get()}) {
      const std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(*m);
      r.channels_last_somewhere = r.channels_last_somewhere || (layout && dnnl_util::IsChannelsLast(layout->desc()));
    }
    const std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(*b->data());
    if (layout && dnnl_util::IsChannelBlocked16(layout->desc()) && b->data()->head() == SyncedMemory::Head::AT_PRV) {
      r.blocked_data.push_back(b->name());
    }
  }
  // What a user reads: plain values, through cpu_data()/cpu_diff(). With
  // shared activations only the outputs are defined at the end (a dead
  // blob's buffer holds whatever its last user left).
  if (share) {
    for (Blob* b : net.output_blobs()) r.data.push_back(Values(b->cpu_data(), b->count()));
    for (const BlobPtr& b : net.params()) r.data.push_back(Values(b->cpu_data(), b->count()));
    dnnl_util::SetKeepLayout(true);
    return r;
  }
  for (const BlobPtr& b : net.blobs()) {
    r.data.push_back(Values(b->cpu_data(), b->count()));
    if (backward) r.diff.push_back(Values(b->cpu_diff(), b->count()));
  }
  for (const BlobPtr& b : net.params()) {
    r.data.push_back(Values(b->cpu_data(), b->count()));
    if (backward) r.diff.push_back(Values(b->cpu_diff(), b->count()));
  }
  dnnl_util::SetKeepLayout(true);
  return r;
}

// Reorders copy values exactly, and both runs use the same primitives but
// for the AVE pooling, which with kept layouts runs on the blocked input:
// its window sums may round differently (an ulp), so the comparison allows
// 1e-5 relative; the count of bitwise differences is printed (0 on this
// AVX-512 machine, 2026-12-02).
void ExpectSame(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b,
                const char* what) {
  ASSERT_EQ(a.size(), b.size());
  int differing = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), b[i].size()) << what << " " << i;
    for (size_t j = 0; j < a[i].size(); ++j) {
      const float tol = 1e-5f * std::max(1.f, std::fabs(a[i][j]));
      ASSERT_NEAR(a[i][j], b[i][j], tol) << what << " of blob " << i << " at " << j;
      differing += a[i][j] != b[i][j];
    }
  }
  std::printf("%s: %d values differ bitwise\n", what, differing);
}

void ExpectKeepingChangesNothing(const std::string& net) {
  const NetRun off = RunNet(net, false);
  const NetRun on = RunNet(net, true);
  EXPECT_FALSE(off.kept_somewhere);
  EXPECT_TRUE(on.kept_somewhere);
  ExpectSame(off.data, on.data, "data");
  ExpectSame(off.diff, on.diff, "diff");
  std::printf("reorders per iteration: %lld without kept layouts, %lld with\n",
              static_cast<long long>(off.reorders), static_cast<long long>(on.reorders));
  EXPECT_LT(on.reorders, off.reorders);
}

TEST(DnnlKeptLayout, AllOneDnnNetMatches) { ExpectKeepingChangesNothing(AllDnnl()); }

TEST(DnnlKeptLayout, NetWithOurMaxPoolMatches) { ExpectKeepingChangesNothing(WithMaxPool()); }

// The fused BatchNorm chains, the Eltwise SUM (coefficients too) and the
// Split's summed gradient in the blocked layout give what plain gives.
TEST(DnnlKeptLayout, ResidualBlocksMatch) { ExpectKeepingChangesNothing(ResidualBlocks()); }

TEST(DnnlKeptLayout, ChannelsLastBesideBlockedMatches) {
  ExpectKeepingChangesNothing(LeNetChannels());
  EXPECT_TRUE(RunNet(LeNetChannels(), true).channels_last_somewhere) << "no convolution chose nhwc";
}

// The concat and the LRN run in the blocked layout, matching plain.
TEST(DnnlKeptLayout, InceptionConcatAndLrnMatch) {
  ExpectKeepingChangesNothing(Inception());
  const NetRun on = RunNet(Inception(), true);
  EXPECT_TRUE(on.channels_last_somewhere) << "no branch chose nhwc";
  for (const char* name : {"mixed", "norm"}) {
    EXPECT_NE(std::find(on.blocked_data.begin(), on.blocked_data.end(), name), on.blocked_data.end())
        << name << " was not left in nChw16c";
  }
}

// Global AVE pooling of a kept nChw16c input writes its gradient in that
// layout: left to choose from a 1x1 output, oneDNN picked acdB16b, which
// only its reference kernel reads (100x slower on fmnist_resnet's pool5).
TEST(DnnlKeptLayout, GlobalPoolingGradientKeepsTheSourceLayout) {
  const std::string net_text = std::string(kInput) + Conv("conv", "data", 16) +
                               Layer("pool", "Pooling", "conv", "pool", "pooling_param { pool: AVE global_pooling: true }") +
                               kTail;
  ExpectKeepingChangesNothing(net_text);
  NetParameter param;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString("force_backward: true " + net_text, &param));
  Net net(param);
  test::FillGaussian(net.blob_by_name("data").get());
  test::FillGaussian(net.blob_by_name("target").get());
  net.Forward();
  const std::vector<std::string>& names = net.layer_names();
  const int pool = static_cast<int>(std::find(names.begin(), names.end(), "pool") - names.begin());
  ASSERT_LT(pool, static_cast<int>(names.size()));
  net.BackwardFromTo(static_cast<int>(names.size()) - 1, pool);  // down to the pooling, not the convolution
  const std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(*net.blob_by_name("conv")->diff());
  ASSERT_TRUE(layout) << "the pooling's input gradient is not in a oneDNN layout";
  EXPECT_TRUE(dnnl_util::IsChannelBlocked16(layout->desc())) << "not the source's nChw16c";
}

// share_activations: blobs sharing one buffer, forward only.
TEST(DnnlKeptLayout, SharedActivationsMatch) {
  for (const std::string& net : {AllDnnl(), WithMaxPool()}) {
    const NetRun off = RunNet(net, false, false, true);
    const NetRun on = RunNet(net, true, false, true);
    ExpectSame(off.data, on.data, "data");
  }
}

TEST(DnnlKeptLayout, SwitchFollowsTheCall) {
  dnnl_util::SetKeepLayout(false);
  EXPECT_FALSE(dnnl_util::KeepLayout());
  dnnl_util::SetKeepLayout(true);
  EXPECT_TRUE(dnnl_util::KeepLayout());
}

}  // namespace
}  // namespace cnn
