// The layers a oneDNN convolution runs as post-ops (dnnl_post_ops.hpp) in
// nets no backward pass runs through: a BatchNorm with stored statistics
// and its Scale folded into the weights and bias, the ReLU after them, and
// in a forward-only net a residual block's Eltwise SUM and its ReLU. The
// fused net's outputs match the same net run layer by layer (CNN_FUSE=0),
// blocked and channels-last, depthwise, with kept layouts and without; the
// fusion is left out where a blob it would skip can still be read.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "cnn/core/context.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/layers/dnnl/dnnl_convolution_layer.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

struct Block {
  int channels = 16;             // 16: nChw16c; 20: b runs channels-last (ChannelsLastPays)
  bool share_activations = true;  // forward-only: the sums may be taken too
  bool force_backward = false;
  std::string keep_blob;          // a blob the caller reads after the pass
};

// a: 3x3 + BatchNorm + Scale + ReLU; b: 1x1 + BatchNorm + Scale (no bias)
// + the sum with the block's input + ReLU; dw: depthwise + BatchNorm + Scale
// + leaky ReLU; c: a folded block's end, a convolution straight into a sum.
std::string Text(const Block& k) {
  const std::string ch = std::to_string(k.channels);
  auto conv = [&](const std::string& name, const std::string& bottom, const std::string& params) {
    return "layer { name: '" + name + "' type: 'Convolution' bottom: '" + bottom + "' top: '" + name +
           "' convolution_param { num_output: " + ch + " " + params +
           " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.5 } } } ";
  };
  auto bn_scale = [&](const std::string& x, bool bias) {
    return "layer { name: '" + x + "_bn' type: 'BatchNorm' bottom: '" + x + "' top: '" + x + "' } " +
           "layer { name: '" + x + "_scale' type: 'Scale' bottom: '" + x + "' top: '" + x +
           "' scale_param { bias_term: " + (bias ? "true" : "false") +
           " filler { type: 'gaussian' mean: 1 std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } } } ";
  };
  auto relu = [&](const std::string& x, const std::string& slope) {
    return "layer { name: '" + x + "_relu' type: 'ReLU' bottom: '" + x + "' top: '" + x + "'" +
           (slope.empty() ? "" : " relu_param { negative_slope: " + slope + " }") + " } ";
  };
  auto sum = [&](const std::string& name, const std::string& a, const std::string& b) {
    return "layer { name: '" + name + "' type: 'Eltwise' bottom: '" + a + "' bottom: '" + b + "' top: '" + name +
           "' } ";
  };
  std::string t = "name: 'block' ";
  if (k.share_activations) t += "share_activations: true ";
  if (k.force_backward) t += "force_backward: true ";
  if (!k.keep_blob.empty()) t += "keep_blob: '" + k.keep_blob + "' ";
  t += "layer { name: 'data' type: 'Input' top: 'data' input_param { shape { dim: 2 dim: " + ch +
       " dim: 7 dim: 6 } } } ";
  t += conv("a", "data", "kernel_size: 3 pad: 1 bias_term: false") + bn_scale("a", true) + relu("a", "");
  t += conv("b", "a", "kernel_size: 1") + bn_scale("b", false) + sum("sum", "b", "data") + relu("sum", "");
  t += conv("dw", "sum", "kernel_size: 3 pad: 1 group: " + ch) + bn_scale("dw", true) + relu("dw", "0.1");
  t += conv("c", "dw", "kernel_size: 1") + sum("sum2", "dw", "c");
  t += "layer { name: 'out' type: 'Convolution' bottom: 'sum2' top: 'out' convolution_param { num_output: 4 "
       "kernel_size: 1 weight_filler { type: 'gaussian' std: 0.3 } } }";
  return t;
}

std::unique_ptr<Net> Build(const Block& k, bool fuse) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(Text(k), &p));
  p.mutable_state()->set_phase(TEST);
  setenv("CNN_FUSE", fuse ? "1" : "0", 1);
  Context::set_random_seed(31);
  auto net = std::make_unique<Net>(p);
  unsetenv("CNN_FUSE");
  // Stored statistics to normalise with (the sums start at 0), the same in
  // both nets: the generator restarts.
  Context::set_random_seed(32);
  for (const std::string bn : {"a_bn", "b_bn", "dw_bn"}) {
    Layer* layer = net->layer_by_name(bn);
    test::FillGaussian(layer->blobs()[0].get(), 0.5f);
    test::FillGaussian(layer->blobs()[1].get(), 0.3f, 1.5f);
    layer->blobs()[2]->mutable_cpu_data()[0] = 2.f;
  }
  return net;
}

int Index(const Net& net, const std::string& name) {
  for (size_t i = 0; i < net.layer_names().size(); ++i)
    if (net.layer_names()[i] == name) return static_cast<int>(i);
  return -1;
}

// How many layers after `head` its passes take.
int Taken(const Net& net, const std::string& head) { return net.FusedEnd(Index(net, head)) - Index(net, head); }

bool RanPostOps(const Net& net, const std::string& head) {
  return dynamic_cast<DnnlConvolutionLayer&>(*net.layer_by_name(head)).ran_post_ops();
}

// Two forward passes of both nets on the same inputs, outputs compared.
void ExpectSameOutputs(const Block& k) {
  std::unique_ptr<Net> plain = Build(k, false), fused = Build(k, true);
  for (int pass = 0; pass < 2; ++pass) {
    test::FillGaussian(plain->input_blobs()[0]);
    fused->input_blobs()[0]->CopyFrom(*plain->input_blobs()[0]);
    plain->Forward();
    fused->Forward();
    const Blob& a = *plain->blob_by_name("out");
    const float* b = fused->blob_by_name("out")->cpu_data();
    for (int i = 0; i < a.count(); ++i) {
      ASSERT_NEAR(a.cpu_data()[i], b[i], 1e-4f * (1.f + std::fabs(a.cpu_data()[i]))) << "pass " << pass << " [" << i << "]";
    }
  }
  // Blocked, every head runs its layers as post-ops. Channels-last (b and
  // c, 1x1 on 20 channels), oneDNN 2.6 has no kernel for the sum's binary
  // add on the weights layout the unfused primitive chose: those two run
  // the layers one by one, as the comparison above checked.
  const bool blocked = k.channels % 16 == 0;
  EXPECT_TRUE(RanPostOps(*fused, "a"));
  EXPECT_TRUE(RanPostOps(*fused, "dw"));
  EXPECT_EQ(RanPostOps(*fused, "b"), blocked);
  EXPECT_EQ(RanPostOps(*fused, "c"), blocked);
}

class DnnlPostOps : public ::testing::TestWithParam<bool> {  // kept layouts
 protected:
  void SetUp() override { dnnl_util::SetKeepLayout(GetParam()); }
  void TearDown() override { dnnl_util::SetKeepLayout(true); }
};

TEST_P(DnnlPostOps, ForwardOnlyNetsRunBatchNormScaleReluAndTheSumInTheConvolution) {
  for (int channels : {16, 20}) {
    SCOPED_TRACE("channels " + std::to_string(channels));
    Block k;
    k.channels = channels;
    std::unique_ptr<Net> fused = Build(k, true);
    EXPECT_EQ(Taken(*fused, "a"), 3);   // a_bn, a_scale, a_relu
    EXPECT_EQ(Taken(*fused, "b"), 4);   // b_bn, b_scale, sum, sum_relu
    EXPECT_EQ(Taken(*fused, "dw"), 3);  // dw_bn, dw_scale, dw_relu
    EXPECT_EQ(Taken(*fused, "c"), 1);   // sum2
    // The sum is written in b's pass, while b reads a: the plan must not
    // give the two one buffer (it would, from the unfused lifetimes).
    EXPECT_NE(fused->blob_by_name("sum")->data(), fused->blob_by_name("a")->data());
    EXPECT_NE(fused->blob_by_name("sum2")->data(), fused->blob_by_name("dw")->data());
    ExpectSameOutputs(k);
  }
}

TEST_P(DnnlPostOps, WithBlobsLeftToReadOnlyTheInPlaceLayersAreTaken) {
  Block k;
  k.share_activations = false;  // b's top holds its values after the pass
  EXPECT_EQ(Taken(*Build(k, true), "a"), 3);
  EXPECT_EQ(Taken(*Build(k, true), "b"), 2);
  EXPECT_EQ(Taken(*Build(k, true), "c"), 0);
  {
    // Every blob a caller can read holds what the layers one by one leave.
    std::unique_ptr<Net> plain = Build(k, false), fused = Build(k, true);
    test::FillGaussian(plain->input_blobs()[0]);
    fused->input_blobs()[0]->CopyFrom(*plain->input_blobs()[0]);
    plain->Forward();
    fused->Forward();
    EXPECT_TRUE(RanPostOps(*fused, "a"));
    for (const std::string& name : plain->blob_names()) {
      const Blob& x = *plain->blob_by_name(name);
      const float* y = fused->blob_by_name(name)->cpu_data();
      for (int i = 0; i < x.count(); ++i) {
        ASSERT_NEAR(x.cpu_data()[i], y[i], 1e-4f * (1.f + std::fabs(x.cpu_data()[i]))) << name << " [" << i << "]";
      }
    }
  }
  k.share_activations = true;
  k.keep_blob = "b";
  EXPECT_EQ(Taken(*Build(k, true), "b"), 2);
  EXPECT_EQ(Taken(*Build(k, true), "c"), 1);
  // A backward pass needs the BatchNorm's input: it runs as the head of its
  // own chain (Scale and ReLU), the convolution takes nothing.
  k = Block();
  k.share_activations = false;
  k.force_backward = true;
  std::unique_ptr<Net> net = Build(k, true);
  EXPECT_EQ(Taken(*net, "a"), 0);
  EXPECT_EQ(Taken(*net, "a_bn"), 2);
}

INSTANTIATE_TEST_SUITE_P(KeptLayouts, DnnlPostOps, ::testing::Bool());

// The zoo's deploy nets with random weights and statistics, planned as
// `cnn test` plans them: ResNet-50's projection and identity shortcuts,
// MobileNet's depthwise and pointwise layers. The last layer before the
// softmax is kept and compared.
TEST(DnnlPostOpsZoo, DeployNetsMatchTheirLayersOneByOne) {
  for (const auto& [model, logits] : {std::make_pair("resnet50", "fc1000"), std::make_pair("mobilenet_v1", "fc7")}) {
    SCOPED_TRACE(model);
    NetParameter p = ReadNetParamsFromTextFile(test::SourcePath(std::string("models/") + model + "/deploy.prototxt"));
    for (auto& lp : *p.mutable_layer()) {
      if (lp.type() == "Input") lp.mutable_input_param()->mutable_shape(0)->set_dim(0, 1);
    }
    p.mutable_state()->set_phase(TEST);
    p.set_share_activations(true);
    p.add_keep_blob(logits);
    std::unique_ptr<Net> nets[2];
    for (int fuse = 0; fuse < 2; ++fuse) {
      setenv("CNN_FUSE", fuse ? "1" : "0", 1);
      Context::set_random_seed(41);
      nets[fuse] = std::make_unique<Net>(p);
      unsetenv("CNN_FUSE");
      Context::set_random_seed(42);
      for (const auto& layer : nets[fuse]->layers()) {
        if (std::string(layer->type()) != "BatchNorm") continue;
        test::FillGaussian(layer->blobs()[0].get(), 0.2f);
        test::FillGaussian(layer->blobs()[1].get(), 0.1f, 1.f);
        layer->blobs()[2]->mutable_cpu_data()[0] = 1.f;
      }
    }
    Context::set_random_seed(43);
    test::FillGaussian(nets[0]->input_blobs()[0]);
    nets[1]->input_blobs()[0]->CopyFrom(*nets[0]->input_blobs()[0]);
    for (auto& net : nets) net->Forward();
    const Blob& a = *nets[0]->blob_by_name(logits);
    const Blob& b = *nets[1]->blob_by_name(logits);
    float scale = 0.f;
    for (int i = 0; i < a.count(); ++i) scale = std::max(scale, std::fabs(a.cpu_data()[i]));
    ASSERT_GT(scale, 0.f);
    for (int i = 0; i < a.count(); ++i) ASSERT_NEAR(a.cpu_data()[i], b.cpu_data()[i], 1e-4f * scale) << "[" << i << "]";
    int heads_fused = 0;
    for (const auto& layer : nets[1]->layers()) {
      const auto* conv = dynamic_cast<const DnnlConvolutionLayer*>(layer.get());
      heads_fused += conv && conv->ran_post_ops();
    }
    EXPECT_GT(heads_fused, 20);  // ResNet-50 has 53 convolutions, MobileNet-v1 27
  }
}

}  // namespace
}  // namespace cnn
