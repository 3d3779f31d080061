#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "layers/recurrent/recurrent_reference.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

constexpr int kT = 5, kN = 3, kD = 4, kH = 3;

std::unique_ptr<Layer> MakeLstm(const std::string& extra = "", int hidden = kH) {
  return test::MakeRecurrent("LSTM", "lstm", hidden, extra);
}

using test::ContWithResets;
using test::ExpectNear;

test::LstmReference ReferenceOf(const Layer& layer, int Ds = 0) {
  test::LstmReference ref{kT, kN, kD, kH, Ds};
  ref.w_xc = DataOf(*layer.blobs()[0]);
  ref.b_c = DataOf(*layer.blobs()[1]);
  if (Ds > 0) ref.w_xc_static = DataOf(*layer.blobs()[2]);
  ref.w_hc = DataOf(*layer.blobs()[Ds > 0 ? 3 : 2]);
  ref.Reset();
  return ref;
}

TEST(LSTMLayer, BlobsInCaffesOrderAndShapes) {
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h;
  layer->SetUp({&x, &cont}, {&h});
  EXPECT_EQ(h.shape(), (std::vector<int>{kT, kN, kH}));
  ASSERT_EQ(layer->blobs().size(), 3u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4 * kH, kD}));  // W_xc
  EXPECT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{4 * kH}));      // b_c
  EXPECT_EQ(layer->blobs()[2]->shape(), (std::vector<int>{4 * kH, kH}));  // W_hc

  auto with_static = MakeLstm();
  Blob xs(std::vector<int>{kN, 2, 3});
  with_static->SetUp({&x, &cont, &xs}, {&h});
  ASSERT_EQ(with_static->blobs().size(), 4u);
  EXPECT_EQ(with_static->blobs()[2]->shape(), (std::vector<int>{4 * kH, 6}));  // W_xc_static
  EXPECT_EQ(with_static->blobs()[3]->shape(), (std::vector<int>{4 * kH, kH}));
}

TEST(LSTMLayer, MatchesStepByStepReferenceWithResets) {
  Context::set_random_seed(5);
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h;
  FillGaussian(&x);
  FillValues(&cont, ContWithResets(kT, kN));
  layer->SetUp({&x, &cont}, {&h});
  test::LstmReference ref = ReferenceOf(*layer);
  layer->Forward({&x, &cont}, {&h});
  ExpectNear(DataOf(h), ref.Run(DataOf(x), DataOf(cont)));

  // The next batch continues streams 0 and 2 from where they stopped; stream
  // 1 starts afresh.
  FillGaussian(&x);
  std::vector<float> next(kT * kN, 1.f);
  next[1] = 0.f;
  FillValues(&cont, next);
  layer->Forward({&x, &cont}, {&h});
  ExpectNear(DataOf(h), ref.Run(DataOf(x), next));
}

TEST(LSTMLayer, StaticInputEntersEveryStep) {
  Context::set_random_seed(6);
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), xs(std::vector<int>{kN, 2}), h;
  FillGaussian(&x);
  FillGaussian(&xs);
  FillValues(&cont, ContWithResets(kT, kN));
  layer->SetUp({&x, &cont, &xs}, {&h});
  test::LstmReference ref = ReferenceOf(*layer, 2);
  layer->Forward({&x, &cont, &xs}, {&h});
  ExpectNear(DataOf(h), ref.Run(DataOf(x), DataOf(cont), DataOf(xs)));
}

TEST(LSTMLayer, ExposeHiddenTakesAndGivesTheState) {
  Context::set_random_seed(7);
  auto layer = MakeLstm("expose_hidden: true");
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h0(std::vector<int>{1, kN, kH}),
      c0(std::vector<int>{1, kN, kH}), h, hT, cT;
  FillGaussian(&x);
  FillGaussian(&h0);
  FillGaussian(&c0);
  std::vector<float> cont_values(kT * kN, 1.f);
  cont_values[2 * kN] = 0.f;  // stream 0 restarts at t = 2
  FillValues(&cont, cont_values);
  layer->SetUp({&x, &cont, &h0, &c0}, {&h, &hT, &cT});
  test::LstmReference ref = ReferenceOf(*layer);
  for (int i = 0; i < kN * kH; ++i) {
    ref.h[i] = h0.cpu_data()[i];
    ref.c[i] = c0.cpu_data()[i];
  }
  layer->Forward({&x, &cont, &h0, &c0}, {&h, &hT, &cT});
  ExpectNear(DataOf(h), ref.Run(DataOf(x), cont_values));
  ExpectNear(DataOf(hT), ref.h);
  ExpectNear(DataOf(cT), ref.c);
  EXPECT_EQ(hT.shape(), (std::vector<int>{1, kN, kH}));
  // Given states are used as they are, not carried over from the last batch.
  layer->Forward({&x, &cont, &h0, &c0}, {&h, &hT, &cT});
  ref.Reset();
  for (int i = 0; i < kN * kH; ++i) {
    ref.h[i] = h0.cpu_data()[i];
    ref.c[i] = c0.cpu_data()[i];
  }
  ExpectNear(DataOf(h), ref.Run(DataOf(x), cont_values));
}

void ContFill(int bottom, Blob* b) {
  if (bottom == 1) return FillValues(b, ContWithResets(b->shape(0), b->shape(1)));
  FillGaussian(b);
}

TEST(LSTMLayer, Gradient) {
  Context::set_random_seed(8);
  auto layer = MakeLstm("", 2);
  Blob x(std::vector<int>{4, 3, 3}), cont(std::vector<int>{4, 3}), h;
  ContFill(0, &x);
  ContFill(1, &cont);
  test::GradientCheckOptions opt;
  opt.threshold = 2e-3f;
  opt.step = 1e-2f;
  test::CheckGradient(*layer, {&x, &cont}, {&h}, opt);
}

TEST(LSTMLayer, GradientWithStaticInput) {
  Context::set_random_seed(9);
  auto layer = MakeLstm("", 2);
  Blob x(std::vector<int>{3, 3, 2}), cont(std::vector<int>{3, 3}), xs(std::vector<int>{3, 2}), h;
  ContFill(0, &x);
  ContFill(1, &cont);
  FillGaussian(&xs);
  test::GradientCheckOptions opt;
  opt.threshold = 2e-3f;
  test::CheckGradient(*layer, {&x, &cont, &xs}, {&h}, opt);
}

TEST(LSTMLayer, ContOfTheWrongLengthIsAnError) {
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT - 1, kN}), h;
  const std::string msg = test::ErrorOf([&] { layer->SetUp({&x, &cont}, {&h}); });
  EXPECT_NE(msg.find("layer 'lstm' (LSTM)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cont (bottom 1) has shape 4 3 (12), expected 5 x 3"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  // And after setup, when a later batch has the wrong cont.
  Blob good(std::vector<int>{kT, kN});
  layer->SetUp({&x, &good}, {&h});
  good.Reshape({kT, kN + 1});
  EXPECT_NE(test::ErrorOf([&] { layer->Reshape({&x, &good}, {&h}); }).find("cont (bottom 1)"), std::string::npos);
}

TEST(LSTMLayer, NoGradientIntoCont) {
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h;
  FillValues(&cont, ContWithResets(kT, kN));
  layer->SetUp({&x, &cont}, {&h});
  EXPECT_TRUE(layer->AllowForceBackward(0));
  EXPECT_FALSE(layer->AllowForceBackward(1));
  layer->Forward({&x, &cont}, {&h});
  EXPECT_NE(test::ErrorOf([&] { layer->Backward({&h}, {true, true}, {&x, &cont}); }).find("cont"),
            std::string::npos);
}

TEST(LSTMLayer, MissingNumOutputIsAnError) {
  auto layer = LayerRegistry::Create(ParseLayer("name: 'l' type: 'LSTM'"));
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h;
  EXPECT_NE(test::ErrorOf([&] { layer->SetUp({&x, &cont}, {&h}); }).find("num_output"), std::string::npos);
}

TEST(LSTMLayer, NewNumberOfStepsKeepsTheWeights) {
  Context::set_random_seed(10);
  auto layer = MakeLstm();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), h;
  FillValues(&cont, ContWithResets(kT, kN));
  layer->SetUp({&x, &cont}, {&h});
  test::LstmReference ref = ReferenceOf(*layer);
  const Blob* w0 = layer->blobs()[0].get();
  x.Reshape({2, kN, kD});
  cont.Reshape({2, kN});
  FillGaussian(&x);
  FillValues(&cont, ContWithResets(2, kN));
  layer->Reshape({&x, &cont}, {&h});
  EXPECT_EQ(layer->blobs()[0].get(), w0);
  EXPECT_EQ(h.shape(), (std::vector<int>{2, kN, kH}));
  layer->Forward({&x, &cont}, {&h});
  ref.T = 2;
  ExpectNear(DataOf(h), ref.Run(DataOf(x), DataOf(cont)));
}

// A net with an LSTM: its weights written as a caffemodel load into a fresh
// net of the same definition, by layer name and in Caffe's blob order.
const char kNet[] = R"(
  name: 'seq'
  layer { name: 'in' type: 'Input' top: 'x' top: 'cont'
          input_param { shape { dim: 4 dim: 2 dim: 3 } shape { dim: 4 dim: 2 } } }
  layer { name: 'lstm1' type: 'LSTM' bottom: 'x' bottom: 'cont' top: 'h'
          recurrent_param { num_output: 5 weight_filler { type: 'uniform' min: -0.5 max: 0.5 }
                            bias_filler { type: 'uniform' min: -0.5 max: 0.5 } } }
)";

std::unique_ptr<Net> MakeNet(uint64_t seed) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kNet, &p));
  Context::set_random_seed(seed);
  return std::make_unique<Net>(p);
}

std::vector<float> RunNet(Net& net) {
  Context::set_random_seed(3);
  FillGaussian(net.blob_by_name("x").get());
  FillValues(net.blob_by_name("cont").get(), {0, 0, 1, 1, 1, 0, 1, 1});
  net.Forward();
  return DataOf(*net.blob_by_name("h"));
}

TEST(LSTMLayer, CaffemodelRoundTrip) {
  auto trained = MakeNet(1);
  NetParameter weights;
  trained->ToProto(&weights);
  ASSERT_EQ(weights.layer(1).blobs_size(), 3);
  const std::vector<std::vector<int>> expected = {{20, 3}, {20}, {20, 5}};
  for (int i = 0; i < 3; ++i) {
    Blob b;
    b.FromProto(weights.layer(1).blobs(i));
    EXPECT_EQ(b.shape(), expected[i]) << "blob " << i;
  }
  const std::string dir = test::MakeTempDir();
  WriteProtoToBinaryFile(weights, dir + "/lstm.caffemodel");
  auto fresh = MakeNet(2);
  EXPECT_NE(RunNet(*fresh), RunNet(*trained));
  auto loaded = MakeNet(2);
  loaded->CopyTrainedLayersFromFile(dir + "/lstm.caffemodel");
  auto again = MakeNet(3);
  EXPECT_EQ(RunNet(*loaded), RunNet(*MakeNet(1)));
  // Sharing weights (the TEST net with the TRAIN net) reaches every step.
  again->ShareTrainedLayersWith(*trained);
  EXPECT_EQ(RunNet(*again), RunNet(*MakeNet(1)));
}

TEST(LSTMLayer, ToolRefusesAWrongContWithOneLine) {
  const std::string dir = test::MakeTempDir();
  const std::string net = dir + "/bad_cont.prototxt";
  std::ofstream(net) << R"(
    name: 'bad'
    layer { name: 'in' type: 'Input' top: 'x' top: 'cont'
            input_param { shape { dim: 5 dim: 3 dim: 4 } shape { dim: 4 dim: 3 } } }
    layer { name: 'lstm1' type: 'LSTM' bottom: 'x' bottom: 'cont' top: 'h' recurrent_param { num_output: 2 } }
  )";
  const test::ToolResult r = test::Cnn("time --model=" + net + " --iterations=1");
  EXPECT_EQ(r.status, 1) << r.output;
  const std::string expected = "layer 'lstm1' (LSTM): cont (bottom 1) has shape 4 3 (12), expected 5 x 3";
  const size_t at = r.output.find(expected);
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(expected, at + 1), std::string::npos) << "said more than once:\n" << r.output;
}

TEST(LSTMLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-4f;
  opt.fill = ContFill;
  opt.propagate_down = {true, false};
  test::ExpectGpuMatchesCpu(
      ParseLayer("name: 'lstm' type: 'LSTM' bottom: 'x' bottom: 'cont' top: 'h' recurrent_param { num_output: 7 "
                 "weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } }"),
      {{6, 4, 5}, {6, 4}}, opt);
  opt.propagate_down = {true, false, true};
  test::ExpectGpuMatchesCpu(
      ParseLayer("name: 'lstm' type: 'LSTM' bottom: 'x' bottom: 'cont' bottom: 'x_static' top: 'h' recurrent_param { num_output: 3 "
                 "weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } }"),
      {{3, 2, 4}, {3, 2}, {2, 3}}, opt);
}

TEST(LSTMLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(8);
  auto layer = MakeLstm("", 2);
  Blob x(std::vector<int>{4, 3, 3}), cont(std::vector<int>{4, 3}), h;
  ContFill(0, &x);
  ContFill(1, &cont);
  test::GradientCheckOptions opt;
  opt.threshold = 2e-3f;
  test::CheckGradient(*layer, {&x, &cont}, {&h}, opt);
}

}  // namespace
}  // namespace cnn
