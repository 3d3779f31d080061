// cnn summary's figures (src/cnn/net/net_summary.hpp, receptive_field.hpp)
// against numbers worked out by hand: LeNet layer by layer, receptive
// fields through a strided, padded, dilated and transposed chain, and the
// parameter counts of the classic nets from their architecture tables.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/net/net_summary.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// Inspection builds use constant fillers; batch 1 keeps the big nets small.
std::unique_ptr<Net> BuildForSummary(NetParameter param, int batch = 0) {
  MakeFillersConstant(&param);
  if (batch > 0) {
    for (auto& lp : *param.mutable_layer())
      if (lp.type() == "Input") lp.mutable_input_param()->mutable_shape(0)->set_dim(0, batch);
  }
  param.mutable_state()->set_phase(TEST);
  return std::make_unique<Net>(param);
}

NetParameter ParseNet(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p));
  return p;
}

const LayerSummary& Row(const NetSummary& s, const std::string& name) {
  for (const auto& r : s.layers)
    if (r.name == name) return r;
  ADD_FAILURE() << "no layer " << name;
  return s.layers.front();
}

void ExpectField(const LayerSummary& r, const std::vector<double>& size, const std::vector<double>& jump,
                 const std::vector<double>& start) {
  ASSERT_EQ(r.field.kind, ReceptiveField::KNOWN) << r.name;
  ASSERT_EQ(r.field.axes.size(), size.size()) << r.name;
  for (size_t a = 0; a < size.size(); ++a) {
    EXPECT_DOUBLE_EQ(r.field.axes[a].size, size[a]) << r.name << " axis " << a;
    EXPECT_DOUBLE_EQ(r.field.axes[a].jump, jump[a]) << r.name << " axis " << a;
    EXPECT_DOUBLE_EQ(r.field.axes[a].start, start[a]) << r.name << " axis " << a;
  }
}

TEST(NetSummary, LeNetByHand) {
  auto net = BuildForSummary(ReadNetParamsFromTextFile(test::SourcePath("models/lenet/deploy.prototxt")));
  const NetSummary s = SummarizeNet(*net);
  EXPECT_EQ(s.batch, 64);
  // conv1: 20 filters of 1x5x5 + 20 biases over 24x24 outputs.
  EXPECT_EQ(Row(s, "conv1").params, 20 * 25 + 20);
  EXPECT_DOUBLE_EQ(Row(s, "conv1").macs, 64.0 * 20 * 24 * 24 * 25);
  EXPECT_EQ(Row(s, "conv1").top_shapes[0], (std::vector<int>{64, 20, 24, 24}));
  EXPECT_EQ(Row(s, "pool1").top_shapes[0], (std::vector<int>{64, 20, 12, 12}));
  // conv2: 50 x (20x5x5) + 50 over 8x8.
  EXPECT_EQ(Row(s, "conv2").params, 50 * 20 * 25 + 50);
  EXPECT_DOUBLE_EQ(Row(s, "conv2").macs, 64.0 * 50 * 8 * 8 * 500);
  EXPECT_EQ(Row(s, "ip1").params, 800 * 500 + 500);
  EXPECT_DOUBLE_EQ(Row(s, "ip1").macs, 64.0 * 800 * 500);
  EXPECT_EQ(Row(s, "ip2").params, 500 * 10 + 10);
  EXPECT_EQ(Row(s, "pool1").params, 0);
  EXPECT_EQ(s.params, 520 + 25050 + 400500 + 5010);
  EXPECT_EQ(s.frozen, 0);
  EXPECT_DOUBLE_EQ(s.macs_per_image, 288000.0 + 1600000 + 400000 + 5000);
  EXPECT_DOUBLE_EQ(s.macs_per_batch, 64 * s.macs_per_image);
  // relu1 works in place: its top is ip1's blob, no new memory.
  EXPECT_TRUE(Row(s, "relu1").top_in_place[0]);
  EXPECT_EQ(Row(s, "relu1").top_bytes, 0);
  EXPECT_EQ(Row(s, "conv1").top_bytes, 4 * 64 * 20 * 24 * 24);
  // Floats per image: data 784, conv1 11520, pool1 2880, conv2 3200,
  // pool2 800, ip1 500, ip2 10, prob 10; gradients for all but the data.
  const int64_t per_image = 784 + 11520 + 2880 + 3200 + 800 + 500 + 10 + 10;
  EXPECT_EQ(s.activation_bytes, 4 * 64 * per_image);
  EXPECT_EQ(s.activation_diff_bytes, 4 * 64 * (per_image - 784));
  EXPECT_EQ(s.weight_bytes, 4 * s.params);
  EXPECT_EQ(s.gradient_bytes, 4 * s.params);
  EXPECT_EQ(s.history_bytes, 4 * s.params);
  // Receptive fields: conv 5 (centre 2), pool 2/2 doubles the jump, conv 5
  // adds 4 steps of 2, pool adds one of 2.
  ExpectField(Row(s, "data"), {1, 1}, {1, 1}, {0, 0});
  ExpectField(Row(s, "conv1"), {5, 5}, {1, 1}, {2, 2});
  ExpectField(Row(s, "pool1"), {6, 6}, {2, 2}, {2.5, 2.5});
  ExpectField(Row(s, "conv2"), {14, 14}, {2, 2}, {6.5, 6.5});
  ExpectField(Row(s, "pool2"), {16, 16}, {4, 4}, {7.5, 7.5});
  EXPECT_EQ(Row(s, "ip1").field.kind, ReceptiveField::WHOLE);
  EXPECT_EQ(Row(s, "prob").field.kind, ReceptiveField::WHOLE);
}

TEST(NetSummary, ReceptiveFieldThroughStridedPaddedDilatedChain) {
  auto net = BuildForSummary(ParseNet(R"(
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 dim: 64 dim: 64 } } }
    layer { name: "c1" type: "Convolution" bottom: "x" top: "c1"
            convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 } }
    layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2"
            convolution_param { num_output: 3 kernel_size: 3 dilation: 2 pad: 2 } }
    layer { name: "r" type: "ReLU" bottom: "c2" top: "c2" }
    layer { name: "p" type: "Pooling" bottom: "c2" top: "p" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
    layer { name: "c3" type: "Convolution" bottom: "p" top: "c3"
            convolution_param { num_output: 3 kernel_h: 3 kernel_w: 1 stride_h: 1 stride_w: 2 } }
    layer { name: "d" type: "Deconvolution" bottom: "c3" top: "d"
            convolution_param { num_output: 3 kernel_size: 4 stride: 2 pad: 1 } }
    layer { name: "crop" type: "Crop" bottom: "d" bottom: "c3" top: "crop" crop_param { offset: 1 offset: 2 } }
    layer { name: "sum" type: "Eltwise" bottom: "c3" bottom: "crop" top: "sum" }
    layer { name: "fc" type: "InnerProduct" bottom: "sum" top: "fc" inner_product_param { num_output: 2 } }
  )"));
  const NetSummary s = SummarizeNet(*net);
  // c1: extent 3, pad 1: size 3, jump 2, centre (3-1)/2 - 1 = 0.
  ExpectField(Row(s, "c1"), {3, 3}, {2, 2}, {0, 0});
  // c2: dilated extent 2*(3-1)+1 = 5: size 3 + 4*2 = 11, centre 0 + (2-2)*2.
  ExpectField(Row(s, "c2"), {11, 11}, {2, 2}, {0, 0});
  ExpectField(Row(s, "r"), {11, 11}, {2, 2}, {0, 0});
  // p: 3/2 pad 1: size 11 + 2*2 = 15, jump 4, centre 0 + (1-1)*2.
  ExpectField(Row(s, "p"), {15, 15}, {4, 4}, {0, 0});
  // c3, 3x1 kernel, stride 1x2: along h size 15 + 2*4 = 23, centre 0 + 1*4; along w unchanged but jump 8.
  ExpectField(Row(s, "c3"), {23, 15}, {4, 8}, {4, 0});
  // d, transposed 4/2 pad 1: jump halves; size += 3/2 jump_in; centre += (1 - 1.5)/2 jump_in.
  ExpectField(Row(s, "d"), {23 + 1.5 * 4, 15 + 1.5 * 8}, {2, 4}, {4 - 0.25 * 4, 0 - 0.25 * 8});
  // crop by (1, 2) of the deconvolution's output: centre moves 1 and 2 jumps.
  ExpectField(Row(s, "crop"), {29, 27}, {2, 4}, {3 + 1 * 2, -2 + 2 * 4});
  // Summing fields of different jumps (4x8 and 2x4) has no single field.
  EXPECT_EQ(Row(s, "sum").field.kind, ReceptiveField::UNKNOWN);
  EXPECT_EQ(Row(s, "fc").field.kind, ReceptiveField::WHOLE);
}

TEST(NetSummary, UnionOfBranchesCoversBoth) {
  // A 1x1 branch (size 1 at 0) and a 3x3 pad-1 branch (size 3 at 0) summed:
  // the sum sees [-1, 1], size 3, centred at 0; a 3x3 unpadded branch beside
  // a 1x1 one with the same jump moves the centre: [0, 2] with [0, 0] -> 3 at 1.
  ReceptiveField a = ReceptiveField::Input(1), b = ReceptiveField::Input(1);
  b = ThroughWindow(b, {AxisWindow{3, 1, 1, 1}});
  ReceptiveField u = Union({a, b});
  ASSERT_EQ(u.kind, ReceptiveField::KNOWN);
  EXPECT_DOUBLE_EQ(u.axes[0].size, 3);
  EXPECT_DOUBLE_EQ(u.axes[0].start, 0);
  ReceptiveField c = ThroughWindow(ReceptiveField::Input(1), {AxisWindow{3, 1, 0, 1}});
  u = Union({a, c});
  EXPECT_DOUBLE_EQ(u.axes[0].size, 3);
  EXPECT_DOUBLE_EQ(u.axes[0].start, 1);
  // Different jumps cannot be one field.
  ReceptiveField d = ThroughWindow(ReceptiveField::Input(1), {AxisWindow{1, 2, 0, 1}});
  EXPECT_EQ(Union({a, d}).kind, ReceptiveField::UNKNOWN);
}

// A convolution's parameters: weights out x (in / group) x k x k, plus biases.
int64_t Conv(int64_t out, int64_t in, int64_t k, int64_t group = 1, bool bias = true) {
  return out * (in / group) * k * k + (bias ? out : 0);
}
int64_t Fc(int64_t in, int64_t out) { return in * out + out; }

NetSummary SummaryOf(const std::string& model) {
  auto net = BuildForSummary(ReadNetParamsFromTextFile(test::SourcePath("models/" + model + "/deploy.prototxt")), 1);
  return SummarizeNet(*net);
}

TEST(NetSummary, AlexNetParametersAsBvlcAlexnet) {
  // bvlc_alexnet: conv2, conv4 and conv5 in two groups (the two GPUs of 2012).
  const int64_t expected = Conv(96, 3, 11) + Conv(256, 96, 5, 2) + Conv(384, 256, 3) + Conv(384, 384, 3, 2) +
                           Conv(256, 384, 3, 2) + Fc(256 * 6 * 6, 4096) + Fc(4096, 4096) + Fc(4096, 1000);
  EXPECT_EQ(expected, 60965224);  // the count published for bvlc_alexnet
  const NetSummary s = SummaryOf("alexnet");
  EXPECT_EQ(s.params, expected);
  EXPECT_EQ(s.frozen, 0);
  // Multiply-adds of one 227x227 image: conv1 55x55x96 outputs of 3x11x11 ...
  const double macs = 55.0 * 55 * 96 * 363 + 27.0 * 27 * 256 * 48 * 25 + 13.0 * 13 * 384 * 256 * 9 +
                      13.0 * 13 * 384 * 192 * 9 + 13.0 * 13 * 256 * 192 * 9 + 9216.0 * 4096 + 4096.0 * 4096 +
                      4096.0 * 1000;
  EXPECT_DOUBLE_EQ(s.macs_per_image, macs);
  // conv1 11/4 then pool 3/2: 11 + 2*4 = 19 wide.
  ExpectField(Row(s, "pool1"), {19, 19}, {8, 8}, {9, 9});
}

TEST(NetSummary, Vgg16Parameters) {
  // Thirteen 3x3 convolutions in five blocks, then three fully connected layers.
  const std::vector<std::pair<int, int>> convs = {{3, 64},    {64, 64},   {64, 128},  {128, 128}, {128, 256},
                                                  {256, 256}, {256, 256}, {256, 512}, {512, 512}, {512, 512},
                                                  {512, 512}, {512, 512}, {512, 512}};
  int64_t expected = Fc(512 * 7 * 7, 4096) + Fc(4096, 4096) + Fc(4096, 1000);
  for (const auto& c : convs) expected += Conv(c.second, c.first, 3);
  EXPECT_EQ(expected, 138357544);  // the published VGG-16 count
  EXPECT_EQ(SummaryOf("vgg16").params, expected);
}

TEST(NetSummary, GoogLeNetParameters) {
  // The deploy net (no auxiliary classifiers). Per inception module (Szegedy
  // et al., table 1): #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
  struct Inception {
    int in, c1, r3, c3, r5, c5, pool;
  };
  const std::vector<Inception> modules = {
      {192, 64, 96, 128, 16, 32, 32},    {256, 128, 128, 192, 32, 96, 64},  {480, 192, 96, 208, 16, 48, 64},
      {512, 160, 112, 224, 24, 64, 64},  {512, 128, 128, 256, 24, 64, 64},  {512, 112, 144, 288, 32, 64, 64},
      {528, 256, 160, 320, 32, 128, 128}, {832, 256, 160, 320, 32, 128, 128}, {832, 384, 192, 384, 48, 128, 128}};
  int64_t expected = Conv(64, 3, 7) + Conv(64, 64, 1) + Conv(192, 64, 3) + Fc(1024, 1000);
  for (const auto& m : modules) {
    EXPECT_EQ(m.c1 + m.c3 + m.c5 + m.pool, &m == &modules.back() ? 1024 : (&m + 1)->in);
    expected += Conv(m.c1, m.in, 1) + Conv(m.r3, m.in, 1) + Conv(m.c3, m.r3, 3) + Conv(m.r5, m.in, 1) +
                Conv(m.c5, m.r5, 5) + Conv(m.pool, m.in, 1);
  }
  EXPECT_EQ(expected, 6998552);  // the count published for bvlc_googlenet
  EXPECT_EQ(SummaryOf("googlenet").params, expected);
}

TEST(NetSummary, ResNet50Parameters) {
  // Bottleneck blocks [3, 4, 6, 3] of widths 64..512 (x4 out), convolutions
  // without bias, each followed by BatchNorm (mean, variance, scale factor:
  // frozen, lr_mult 0) and Scale (gamma, beta: trained).
  int64_t trained = Conv(64, 3, 7, 1, false) + 2 * 64, frozen = 2 * 64 + 1;
  auto bn = [&](int64_t c) {
    trained += 2 * c;
    frozen += 2 * c + 1;
  };
  int64_t in = 64;
  const int blocks[] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t w = 64 << stage;
    for (int b = 0; b < blocks[stage]; ++b) {
      if (b == 0) {
        trained += Conv(4 * w, in, 1, 1, false);
        bn(4 * w);
      }
      trained += Conv(w, in, 1, 1, false) + Conv(w, w, 3, 1, false) + Conv(4 * w, w, 1, 1, false);
      bn(w);
      bn(w);
      bn(4 * w);
      in = 4 * w;
    }
  }
  trained += Fc(2048, 1000);
  EXPECT_EQ(trained, 25557032);  // torchvision's published ResNet-50 count (BN affine = Scale here)
  const NetSummary s = SummaryOf("resnet50");
  EXPECT_EQ(s.params - s.frozen, trained);
  EXPECT_EQ(s.frozen, frozen);
}

}  // namespace
}  // namespace cnn
