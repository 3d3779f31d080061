// Layer fusion (fusing_layer.hpp): a BatchNorm that takes the in-place Scale
// and ReLU after it into its CPU passes leaves every blob, gradient and
// running statistic as the three layers one by one do (CNN_FUSE=0), in our
// plain layout and in oneDNN's blocked one, for batch and global
// statistics, and a pass that stops inside the chain runs it unfused; so
// do an Eltwise SUM with the ReLU after it and the oneDNN convolution and
// inner product with theirs.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

struct Chain {
  int channels = 32;            // 32: blocked nChw16c between oneDNN layers; 20: read plain
  std::string engine = "";      // the convolutions' engine ("" DEFAULT, "CAFFE" our plain kernels)
  std::string relu = "relu";    // "relu", "leaky" (slope 0.1) or "" (no ReLU)
  bool bias = true;             // the Scale's bias_term
  bool in_place_bn = true;      // BatchNorm writing its own bottom
  Phase phase = TRAIN;          // TEST: global statistics
};

std::string Text(const Chain& c) {
  const std::string engine = c.engine.empty() ? "" : " engine: " + c.engine;
  const std::string bn_top = c.in_place_bn ? "conv1" : "bn1";
  std::string t = R"(
    name: "chain" force_backward: true
    layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 7 dim: 6 } } }
    layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
            convolution_param { num_output: )" + std::to_string(c.channels) + R"( kernel_size: 3 pad: 1)" + engine + R"(
              weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" std: 0.5 } } }
    layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: ")" + bn_top + R"(" }
    layer { name: "scale1" type: "Scale" bottom: ")" + bn_top + R"(" top: ")" + bn_top + R"("
            scale_param { bias_term: )" + (c.bias ? "true" : "false") + R"(
              filler { type: "gaussian" mean: 1 std: 0.3 } bias_filler { type: "gaussian" std: 0.3 } } }
  )";
  if (!c.relu.empty()) {
    t += R"(layer { name: "relu1" type: "ReLU" bottom: ")" + bn_top + R"(" top: ")" + bn_top + R"(")" +
         (c.relu == "leaky" ? " relu_param { negative_slope: 0.1 }" : "") + " }\n";
  }
  t += R"(layer { name: "conv2" type: "Convolution" bottom: ")" + bn_top + R"(" top: "conv2"
            convolution_param { num_output: 16 kernel_size: 3)" + engine + R"(
              weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" std: 0.1 } } })";
  return t;
}

std::unique_ptr<Net> Build(const Chain& c, bool fuse) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(Text(c), &p));
  p.mutable_state()->set_phase(c.phase);
  setenv("CNN_FUSE", fuse ? "1" : "0", 1);
  Context::set_random_seed(77);
  auto net = std::make_unique<Net>(p);
  unsetenv("CNN_FUSE");
  return net;
}

int LayerIndex(const Net& net, const std::string& name) {
  for (size_t i = 0; i < net.layer_names().size(); ++i)
    if (net.layer_names()[i] == name) return static_cast<int>(i);
  return -1;
}

void ExpectClose(const float* a, const float* b, int n, const std::string& what) {
  for (int i = 0; i < n; ++i) {
    ASSERT_NEAR(a[i], b[i], 2e-5f * (1.f + std::fabs(a[i]))) << what << " [" << i << "]";
  }
}

// Sets running statistics a TEST pass can normalise with (the sums start at 0).
void GiveStoredStatistics(Net* net) {
  Layer* bn = net->layer_by_name("bn1");
  test::FillGaussian(bn->blobs()[0].get(), 0.5f);
  test::FillGaussian(bn->blobs()[1].get(), 0.3f, 1.5f);
  bn->blobs()[2]->mutable_cpu_data()[0] = 2.f;
}

void ExpectSameRuns(const Chain& c, Net* plain, Net* fused);

// Two forward + backward passes of both nets (the second reuses the first's
// buffers and statistics) compared blob by blob.
void ExpectSameAsUnfused(const Chain& c) {
  std::unique_ptr<Net> plain = Build(c, false), fused = Build(c, true);
  const int bn = LayerIndex(*fused, "bn1");
  const int last = LayerIndex(*fused, c.relu.empty() ? "scale1" : "relu1");
  ASSERT_EQ(plain->FusedEnd(bn), bn);
  ASSERT_EQ(fused->FusedEnd(bn), last) << "the chain was not fused";
  ASSERT_EQ(fused->FusedHead(last), bn);
  ExpectSameRuns(c, plain.get(), fused.get());
}

// What the fused net's blobs must match, the chain fused or not.
void ExpectSameRuns(const Chain& c, Net* plain, Net* fused) {
  if (c.phase == TEST) {
    GiveStoredStatistics(plain);
    Layer* from = plain->layer_by_name("bn1");
    Layer* to = fused->layer_by_name("bn1");
    for (size_t b = 0; b < from->blobs().size(); ++b) to->blobs()[b]->CopyFrom(*from->blobs()[b]);
  }
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE("pass " + std::to_string(pass));
    test::FillGaussian(plain->input_blobs()[0]);
    fused->input_blobs()[0]->CopyFrom(*plain->input_blobs()[0]);
    plain->ClearParamDiffs();
    fused->ClearParamDiffs();
    plain->Forward();
    fused->Forward();
    for (const std::string& name : plain->blob_names()) {
      const Blob& a = *plain->blob_by_name(name);
      ExpectClose(a.cpu_data(), fused->blob_by_name(name)->cpu_data(), a.count(), "data of " + name);
    }
    Blob seed;
    seed.ReshapeLike(*plain->blob_by_name("conv2"));
    test::FillGaussian(&seed);
    for (Net* net : {plain, fused}) {
      std::copy(seed.cpu_data(), seed.cpu_data() + seed.count(), net->blob_by_name("conv2")->mutable_cpu_diff());
    }
    plain->Backward();
    fused->Backward();
    for (const std::string& name : plain->blob_names()) {
      const Blob& a = *plain->blob_by_name(name);
      ExpectClose(a.cpu_diff(), fused->blob_by_name(name)->cpu_diff(), a.count(), "diff of " + name);
    }
    for (size_t p = 0; p < plain->params().size(); ++p) {
      const Blob& a = *plain->params()[p];
      ExpectClose(a.cpu_diff(), fused->params()[p]->cpu_diff(), a.count(), "param diff " + std::to_string(p));
      ExpectClose(a.cpu_data(), fused->params()[p]->cpu_data(), a.count(), "param " + std::to_string(p));
    }
  }
}

// Blocked (oneDNN before, 32 channels) and plain (our kernels, or 20
// channels), batch statistics (TRAIN) and global ones (TEST).
TEST(NetFusion, BatchNormScaleReluInOneLayoutOrTheOther) {
  for (const std::string engine : {"", "CAFFE"})
    for (int channels : {32, 20})
      for (Phase phase : {TRAIN, TEST}) {
        SCOPED_TRACE("engine '" + engine + "', " + std::to_string(channels) + " channels, " + Phase_Name(phase));
        Chain c;
        c.engine = engine;
        c.channels = channels;
        c.phase = phase;
        ExpectSameAsUnfused(c);
      }
}

TEST(NetFusion, LeakyReluNoReluAndNoBias) {
  Chain leaky;
  leaky.relu = "leaky";
  ExpectSameAsUnfused(leaky);
  Chain scale_only;
  scale_only.relu = "";
  ExpectSameAsUnfused(scale_only);
  Chain no_bias;
  no_bias.bias = false;
  ExpectSameAsUnfused(no_bias);
}

// Not in place, the BatchNorm's top diff would have to end as the Scale's
// input gradient, which the fused backward never forms: no fusion.
TEST(NetFusion, ABatchNormWithANewTopRunsAlone) {
  Chain c;
  c.in_place_bn = false;
  std::unique_ptr<Net> plain = Build(c, false), fused = Build(c, true);
  const int bn = LayerIndex(*fused, "bn1");
  EXPECT_EQ(fused->FusedEnd(bn), bn);
  ExpectSameRuns(c, plain.get(), fused.get());
}

// A ResNet block: conv -> BatchNorm -> Scale on both branches, their
// Eltwise SUM (with a coefficient) and the ReLU after it, fused or not.
std::string ResidualText(const std::string& engine) {
  const std::string e = engine.empty() ? "" : " engine: " + engine;
  auto conv = [&](const std::string& name, const std::string& bottom) {
    return "layer { name: '" + name + "' type: 'Convolution' bottom: '" + bottom + "' top: '" + name +
           "' convolution_param { num_output: 16 kernel_size: 3 pad: 1" + e +
           " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.2 } } } "
           "layer { name: '" + name + "_bn' type: 'BatchNorm' bottom: '" + name + "' top: '" + name + "' } "
           "layer { name: '" + name + "_scale' type: 'Scale' bottom: '" + name + "' top: '" + name +
           "' scale_param { bias_term: true filler { type: 'gaussian' mean: 1 std: 0.3 } "
           "bias_filler { type: 'gaussian' std: 0.3 } } } ";
  };
  return "name: 'res' force_backward: true "
         "layer { name: 'data' type: 'Input' top: 'data' input_param { shape { dim: 2 dim: 3 dim: 6 dim: 5 } } } " +
         conv("a", "data") + conv("b", "data") +
         "layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'sum' eltwise_param { coeff: 1 coeff: 0.5 } } "
         "layer { name: 'relu' type: 'ReLU' bottom: 'sum' top: 'sum' } "
         "layer { name: 'out' type: 'Convolution' bottom: 'sum' top: 'out' convolution_param { num_output: 4 "
         "kernel_size: 1" + e + " weight_filler { type: 'gaussian' std: 0.3 } } }";
}

// Builds `text` unfused (CNN_FUSE=0) and fused, checks that layer `head`
// runs `taken` layers after it in the fused net only, and compares two
// forward + backward passes (gradient seeded at blob `out`) blob by blob.
void ExpectFusedLikeUnfused(const std::string& text, const std::string& head, int taken, const std::string& out) {
  std::unique_ptr<Net> nets[2];
  for (int fuse = 0; fuse < 2; ++fuse) {
    NetParameter p;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p));
    p.mutable_state()->set_phase(TRAIN);
    setenv("CNN_FUSE", fuse ? "1" : "0", 1);
    Context::set_random_seed(5);
    nets[fuse] = std::make_unique<Net>(p);
    unsetenv("CNN_FUSE");
  }
  const int h = LayerIndex(*nets[1], head);
  ASSERT_EQ(nets[1]->FusedEnd(h), h + taken) << "layer " << head << " did not take the layers after it";
  ASSERT_EQ(nets[0]->FusedEnd(h), h);
  for (int pass = 0; pass < 2; ++pass) {
    test::FillGaussian(nets[0]->input_blobs()[0]);
    nets[1]->input_blobs()[0]->CopyFrom(*nets[0]->input_blobs()[0]);
    Blob seed;
    seed.ReshapeLike(*nets[0]->blob_by_name(out));
    test::FillGaussian(&seed);
    for (auto& net : nets) {
      net->ClearParamDiffs();
      net->Forward();
      std::copy(seed.cpu_data(), seed.cpu_data() + seed.count(), net->blob_by_name(out)->mutable_cpu_diff());
      net->Backward();
    }
    for (const std::string& name : nets[0]->blob_names()) {
      const Blob& a = *nets[0]->blob_by_name(name);
      ExpectClose(a.cpu_data(), nets[1]->blob_by_name(name)->cpu_data(), a.count(), "data of " + name);
      ExpectClose(a.cpu_diff(), nets[1]->blob_by_name(name)->cpu_diff(), a.count(), "diff of " + name);
    }
    for (size_t p = 0; p < nets[0]->params().size(); ++p) {
      const Blob& a = *nets[0]->params()[p];
      ExpectClose(a.cpu_diff(), nets[1]->params()[p]->cpu_diff(), a.count(), "param diff " + std::to_string(p));
    }
  }
}

TEST(NetFusion, EltwiseSumAndReluOfAResidualBlock) {
  for (const std::string engine : {"", "CAFFE"}) {
    SCOPED_TRACE("engine '" + engine + "'");
    ExpectFusedLikeUnfused(ResidualText(engine), "sum", 1, "out");
  }
}

#ifdef CNN_WITH_DNNL
// The oneDNN convolution and inner product run the in-place ReLU after
// them as a post-op (dnnl_post_ops.hpp): 50 channels go channels-last,
// 32 blocked, with the leaky slope and without. ip1 names its engine: DEFAULT
// would run a product this small on our kernel, without the post-op.
std::string ConvReluText(const std::string& slope) {
  const std::string relu = slope.empty() ? "" : " relu_param { negative_slope: " + slope + " }";
  auto layer = [&](const std::string& name, const std::string& type, const std::string& bottom,
                   const std::string& params) {
    return "layer { name: '" + name + "' type: '" + type + "' bottom: '" + bottom + "' top: '" + name + "' " +
           params + " } layer { name: '" + name + "_relu' type: 'ReLU' bottom: '" + name + "' top: '" + name + "'" +
           relu + " } ";
  };
  const std::string fillers = " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.5 }";
  return "name: 'conv_relu' force_backward: true "
         "layer { name: 'data' type: 'Input' top: 'data' input_param { shape { dim: 2 dim: 3 dim: 9 dim: 8 } } } " +
         layer("conv1", "Convolution", "data", "convolution_param { num_output: 20 kernel_size: 3" + fillers + " }") +
         layer("conv2", "Convolution", "conv1", "convolution_param { num_output: 50 kernel_size: 3 pad: 1" + fillers + " }") +
         layer("conv3", "Convolution", "conv2", "convolution_param { num_output: 32 kernel_size: 3 stride: 2" + fillers + " }") +
         layer("ip1", "InnerProduct", "conv3", "inner_product_param { num_output: 7 engine: DNNL" + fillers + " }") +
         "layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1' top: 'ip2' inner_product_param { num_output: 3" +
         fillers + " } }";
}

TEST(NetFusion, ConvolutionAndInnerProductTakeTheReluAfterThem) {
  for (const std::string slope : {"", "0.1"}) {
    SCOPED_TRACE("slope '" + slope + "'");
    for (const std::string head : {"conv1", "conv2", "conv3", "ip1"}) {
      SCOPED_TRACE(head);
      ExpectFusedLikeUnfused(ConvReluText(slope), head, 1, "ip2");
    }
  }
}
#endif

TEST(NetFusion, APassEndingInsideTheChainRunsItLayerByLayer) {
  Chain c;
  std::unique_ptr<Net> plain = Build(c, false), fused = Build(c, true);
  test::FillGaussian(plain->input_blobs()[0]);
  fused->input_blobs()[0]->CopyFrom(*plain->input_blobs()[0]);
  const int scale = LayerIndex(*fused, "scale1");
  // Up to the Scale: the blob holds its output, not the ReLU's.
  plain->ForwardFromTo(0, scale);
  fused->ForwardFromTo(0, scale);
  const Blob& a = *plain->blob_by_name("conv1");
  ExpectClose(a.cpu_data(), fused->blob_by_name("conv1")->cpu_data(), a.count(), "conv1 after the Scale");
  bool negative = false;
  for (int i = 0; i < a.count(); ++i) negative = negative || fused->blob_by_name("conv1")->cpu_data()[i] < 0.f;
  EXPECT_TRUE(negative) << "the ReLU ran in a pass that ended before it";
}

TEST(NetFusion, BackwardStartingInsideAFusedChainIsRefused) {
  Chain c;
  std::unique_ptr<Net> fused = Build(c, true);
  test::FillGaussian(fused->input_blobs()[0]);
  fused->Forward();
  const int scale = LayerIndex(*fused, "scale1");
  try {
    fused->BackwardFromTo(scale, 0);
    FAIL() << "backward from inside the chain ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inside the chain bn1 .. relu1"), std::string::npos) << e.what();
  }
}

TEST(NetFusion, SkipInputGradientsLeavesTheInputsWithout) {
  Chain c;
  std::unique_ptr<Net> net = Build(c, true);
  const int conv1 = LayerIndex(*net, "conv1");
  EXPECT_TRUE(net->bottom_need_backward()[conv1][0]);  // force_backward
  net->SkipInputGradients();
  EXPECT_FALSE(net->bottom_need_backward()[conv1][0]);
  EXPECT_TRUE(net->layer_need_backward(conv1));
  EXPECT_TRUE(net->bottom_need_backward()[LayerIndex(*net, "conv2")][0]);
}

}  // namespace
}  // namespace cnn
