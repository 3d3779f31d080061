#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;

NetParameter ParseNet(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << text;
  return p;
}

std::unique_ptr<Net> MakeNet(const std::string& text, Phase phase = TEST, uint64_t seed = 1701) {
  NetParameter p = ParseNet(text);
  p.mutable_state()->set_phase(phase);
  Context::set_random_seed(seed);
  return std::make_unique<Net>(p);
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void FillInputs(const Net& net, uint64_t seed = 7) {
  Context::set_random_seed(seed);
  for (Blob* b : net.input_blobs()) test::FillGaussian(b);
}

// Class labels 0..classes-1 for a label blob.
void FillLabels(Blob* labels, int classes) {
  float* d = labels->mutable_cpu_data();
  for (int i = 0; i < labels->count(); ++i) d[i] = static_cast<float>((i * 7 + 3) % classes);
}

int LayerId(const Net& net, const std::string& name) {
  const auto& names = net.layer_names();
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << "no layer " << name;
  return static_cast<int>(it - names.begin());
}

// Compares the net's backward pass with central differences of its total
// loss with respect to every element of `blob` (an input or a parameter).
void ExpectNetGradient(Net& net, Blob* blob, const std::string& what, float step = 1e-2f) {
  net.ClearParamDiffs();
  net.Forward();
  net.Backward();
  const std::vector<float> analytic(blob->cpu_diff(), blob->cpu_diff() + blob->count());
  for (int i = 0; i < blob->count(); ++i) {
    const float saved = blob->cpu_data()[i];
    blob->mutable_cpu_data()[i] = saved + step;
    const double up = net.Forward();
    blob->mutable_cpu_data()[i] = saved - step;
    const double down = net.Forward();
    blob->mutable_cpu_data()[i] = saved;
    const double numeric = (up - down) / (2.0 * step);
    const double scale = std::max({1.0, std::fabs(numeric), std::fabs(static_cast<double>(analytic[i]))});
    EXPECT_NEAR(analytic[i], numeric, 2e-3 * scale) << what << " element " << i;
  }
}

// x -> ip1 -> Euclidean loss against target.
const char* kRegression = R"(
  name: 'regression'
  layer { name: 'input' type: 'Input' top: 'x' top: 'target'
          input_param { shape { dim: 4 dim: 3 } shape { dim: 4 dim: 2 } } }
  layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'ip1'
          inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.5 }
                                bias_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'loss' type: 'EuclideanLoss' bottom: 'ip1' bottom: 'target' top: 'loss' LOSS_WEIGHT }
)";

// x -> ip -> softmax loss (both phases) and accuracy (TEST only).
const char* kClassify = R"(
  name: 'classify' FORCE
  layer { name: 'input' type: 'Input' top: 'x' top: 'label'
          input_param { shape { dim: 5 dim: 4 } shape { dim: 5 } } }
  layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'ip'
          inner_product_param { num_output: 3 weight_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }
  layer { name: 'accuracy' type: 'Accuracy' bottom: 'ip' bottom: 'label' top: 'accuracy'
          include { phase: TEST } }
)";

std::string Regression(const std::string& loss_weight = "") {
  return ReplaceAll(kRegression, "LOSS_WEIGHT", loss_weight);
}

std::string Classify(bool force_backward = false) {
  return ReplaceAll(kClassify, "FORCE", force_backward ? "force_backward: true" : "");
}

TEST(Net, PhaseSelectsLayers) {
  auto train = MakeNet(Classify(), TRAIN);
  EXPECT_EQ(train->phase(), TRAIN);
  EXPECT_EQ(train->layer_names(), (std::vector<std::string>{"input", "ip", "loss"}));
  auto test = MakeNet(Classify(), TEST);
  EXPECT_EQ(test->phase(), TEST);
  // With accuracy present, ip and label each feed two layers: splits appear.
  EXPECT_EQ(test->layer_names(), (std::vector<std::string>{"input", "label_input_1_split", "ip",
                                                           "ip_ip_0_split", "loss", "accuracy"}));
  for (const auto& layer : train->layers()) EXPECT_EQ(layer->phase(), TRAIN) << layer->name();
  for (const auto& layer : test->layers()) EXPECT_EQ(layer->phase(), TEST) << layer->name();
  // No state at all means TEST, as in Caffe.
  Context::set_random_seed(1);
  Net plain(ParseNet(Classify()));
  EXPECT_EQ(plain.phase(), TEST);
  EXPECT_TRUE(plain.has_layer("accuracy"));
}

TEST(Net, LayerKeepsExplicitPhase) {
  NetParameter p = ParseNet(Regression());
  p.mutable_layer(1)->set_phase(TRAIN);
  Net net(p);
  EXPECT_EQ(net.layer_by_name("ip1")->phase(), TRAIN);
  EXPECT_EQ(net.layer_by_name("loss")->phase(), TEST);
}

TEST(Net, InputAndOutputBlobs) {
  auto net = MakeNet(Regression());
  ASSERT_EQ(net->input_blobs().size(), 2u);
  EXPECT_EQ(net->input_blobs()[0], net->blob_by_name("x").get());
  EXPECT_EQ(net->input_blobs()[1], net->blob_by_name("target").get());
  ASSERT_EQ(net->output_blobs().size(), 1u);
  EXPECT_EQ(net->output_blobs()[0], net->blob_by_name("loss").get());
  // Outputs are listed by name, like Caffe.
  auto test = MakeNet(Classify(), TEST);
  ASSERT_EQ(test->output_blobs().size(), 2u);
  EXPECT_EQ(test->output_blobs()[0], test->blob_by_name("accuracy").get());
  EXPECT_EQ(test->output_blobs()[1], test->blob_by_name("loss").get());
  EXPECT_THROW(net->blob_by_name("nope"), Error);
  EXPECT_THROW(net->layer_by_name("nope"), Error);
}

TEST(Net, InPlaceReluSharesTheBlob) {
  auto net = MakeNet(R"(
    layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 3 dim: 5 } } }
    layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'h'
            inner_product_param { num_output: 6 weight_filler { type: 'gaussian' std: 1 } } }
    layer { name: 'relu' type: 'ReLU' bottom: 'h' top: 'h' }
  )");
  const int relu = LayerId(*net, "relu");
  EXPECT_EQ(net->bottom_vecs()[relu][0], net->top_vecs()[relu][0]);
  EXPECT_EQ(net->top_vecs()[relu][0], net->blob_by_name("h").get());
  EXPECT_EQ(std::count(net->blob_names().begin(), net->blob_names().end(), "h"), 1);
  EXPECT_EQ(net->blobs().size(), 2u);
  ASSERT_EQ(net->output_blobs().size(), 1u);
  EXPECT_EQ(net->output_blobs()[0], net->blob_by_name("h").get());
  FillInputs(*net);
  net->Forward();
  const std::vector<float> h = DataOf(*net->blob_by_name("h"));
  EXPECT_TRUE(std::all_of(h.begin(), h.end(), [](float v) { return v >= 0.f; }));
  EXPECT_TRUE(std::any_of(h.begin(), h.end(), [](float v) { return v > 0.f; }));
}

// x feeds two branches whose product is the loss' input: the gradient at x
// must be the sum of both branches' gradients (the Split layer's job).
TEST(Net, SplitGradientIsTheSumOfBranches) {
  auto net = MakeNet(R"(
    name: 'fork' force_backward: true
    layer { name: 'input' type: 'Input' top: 'x' top: 'target'
            input_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 2 } } }
    layer { name: 'a' type: 'InnerProduct' bottom: 'x' top: 'a'
            inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.5 } } }
    layer { name: 'b' type: 'InnerProduct' bottom: 'x' top: 'b'
            inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.5 } } }
    layer { name: 'prod' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'prod'
            eltwise_param { operation: PROD } }
    layer { name: 'loss' type: 'EuclideanLoss' bottom: 'prod' bottom: 'target' top: 'loss' }
  )");
  ASSERT_TRUE(net->has_layer("x_input_0_split"));
  FillInputs(*net);
  Blob* x = net->blob_by_name("x").get();
  ExpectNetGradient(*net, x, "x");
  ExpectNetGradient(*net, net->layer_by_name("a")->blobs()[0].get(), "a weights");

  net->Forward();
  net->Backward();
  const Blob& s0 = *net->blob_by_name("x_input_0_split_0");
  const Blob& s1 = *net->blob_by_name("x_input_0_split_1");
  for (int i = 0; i < x->count(); ++i) {
    EXPECT_FLOAT_EQ(x->cpu_diff()[i], s0.cpu_diff()[i] + s1.cpu_diff()[i]) << i;
  }
  EXPECT_GT(s0.asum_diff(), 0.f);
  EXPECT_GT(s1.asum_diff(), 0.f);
}

TEST(Net, LossWeightScalesLossAndGradients) {
  auto one = MakeNet(Regression(), TRAIN);
  auto two = MakeNet(Regression("loss_weight: 2"), TRAIN);
  FillInputs(*one);
  FillInputs(*two);
  one->ClearParamDiffs();
  two->ClearParamDiffs();
  const float l1 = one->ForwardBackward();
  const float l2 = two->ForwardBackward();
  EXPECT_GT(l1, 0.f);
  EXPECT_NEAR(l2, 2 * l1, 1e-5 * l1);
  EXPECT_FLOAT_EQ(one->layer_by_name("loss")->loss(0), 1.f);
  EXPECT_FLOAT_EQ(two->layer_by_name("loss")->loss(0), 2.f);
  for (int p = 0; p < 2; ++p) {
    const Blob& d1 = *one->layer_by_name("ip1")->blobs()[p];
    const Blob& d2 = *two->layer_by_name("ip1")->blobs()[p];
    EXPECT_GT(d1.asum_diff(), 0.f);
    for (int i = 0; i < d1.count(); ++i)
      EXPECT_NEAR(d2.cpu_diff()[i], 2 * d1.cpu_diff()[i], 1e-5) << p << " " << i;
  }
}

TEST(Net, DefaultLossWeights) {
  auto net = MakeNet(Classify(), TEST);
  EXPECT_FLOAT_EQ(net->layer_by_name("loss")->loss(0), 1.f);
  EXPECT_FLOAT_EQ(net->layer_by_name("ip")->loss(0), 0.f);
  EXPECT_FLOAT_EQ(net->layer_by_name("accuracy")->loss(0), 0.f);
  FillInputs(*net);
  FillLabels(net->blob_by_name("label").get(), 3);
  const float loss = net->Forward();
  EXPECT_GT(loss, 0.f);
  EXPECT_FLOAT_EQ(loss, net->blob_by_name("loss")->cpu_data()[0]);
}

TEST(Net, AnyTopCanCarryALossWeight) {
  auto net = MakeNet(R"(
    layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
    layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'ip' loss_weight: 0.5
            inner_product_param { num_output: 4 weight_filler { type: 'gaussian' std: 1 } } }
  )");
  FillInputs(*net);
  const float loss = net->Forward();
  const std::vector<float> ip = DataOf(*net->blob_by_name("ip"));
  float sum = 0.f;
  for (float v : ip) sum += v;
  EXPECT_NEAR(loss, 0.5f * sum, 1e-5f);
  ExpectNetGradient(*net, net->layer_by_name("ip")->blobs()[0].get(), "ip weights");
}

// A weighted top that another layer also reads: the Split carries the
// weight, so the objective counts it once and the gradient has both parts.
TEST(Net, WeightedTopAlsoReadByAnotherLayer) {
  auto net = MakeNet(R"(
    layer { name: 'input' type: 'Input' top: 'x' top: 'target'
            input_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 2 } } }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'ip1' loss_weight: 0.5
            inner_product_param { num_output: 3 weight_filler { type: 'gaussian' std: 1 } } }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1' top: 'ip2'
            inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 1 } } }
    layer { name: 'loss' type: 'EuclideanLoss' bottom: 'ip2' bottom: 'target' top: 'loss' }
  )",
                     TRAIN);
  ASSERT_TRUE(net->has_layer("ip1_ip1_0_split"));
  FillInputs(*net);
  const float loss = net->Forward();
  float sum = 0.f;
  for (float v : DataOf(*net->blob_by_name("ip1"))) sum += v;
  EXPECT_NEAR(loss, 0.5f * sum + net->blob_by_name("loss")->cpu_data()[0], 1e-5f);
  ExpectNetGradient(*net, net->layer_by_name("ip1")->blobs()[0].get(), "ip1 weights");
}

const char* kShared = R"(
  name: 'shared'
  layer { name: 'input' type: 'Input' top: 'x' top: 'target'
          input_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 4 } } }
  layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'h' param { name: 'w' } param { name: 'b' }
          inner_product_param { num_output: 4 weight_filler { type: 'gaussian' std: 0.5 }
                                bias_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'ip2' type: 'InnerProduct' bottom: 'h' top: 'y' param { name: 'w' } param { name: 'b' }
          inner_product_param { num_output: 4 weight_filler { type: 'gaussian' std: 0.5 }
                                bias_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'loss' type: 'EuclideanLoss' bottom: 'y' bottom: 'target' top: 'loss' }
)";

TEST(Net, SharedParamsUseOneMemoryAndAccumulate) {
  auto net = MakeNet(kShared, TRAIN);
  EXPECT_EQ(net->params().size(), 4u);
  EXPECT_EQ(net->learnable_params().size(), 2u);
  EXPECT_EQ(net->param_owners(), (std::vector<int>{-1, -1, 0, 1}));
  const auto& b1 = net->layer_by_name("ip1")->blobs();
  const auto& b2 = net->layer_by_name("ip2")->blobs();
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(b1[p]->cpu_data(), b2[p]->cpu_data());
    EXPECT_EQ(b1[p]->cpu_diff(), b2[p]->cpu_diff());
    EXPECT_EQ(net->learnable_params()[p], b1[p].get());
  }
  FillInputs(*net);
  // y = W(Wx + b) + b: the numerical gradient sees both uses of W and b,
  // so the analytic one must have accumulated both layers' contributions.
  ExpectNetGradient(*net, b1[0].get(), "shared weights");
  ExpectNetGradient(*net, b1[1].get(), "shared bias");
}

TEST(Net, SharedParamShapesMustMatch) {
  const std::string net = R"(
    layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 3 dim: 4 } } }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'h' param { name: 'w' }
            inner_product_param { num_output: 2 bias_term: false } }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'h' top: 'y' param { name: 'w' MODE }
            inner_product_param { num_output: 4 bias_term: false } }
  )";
  // Weights 2x4 and 4x2: same count, different shapes.
  const std::string strict = ErrorOf([&] { MakeNet(ReplaceAll(net, "MODE", "")); });
  EXPECT_TRUE(Contains(strict, "layer 'ip2'")) << strict;
  EXPECT_TRUE(Contains(strict, "'w'")) << strict;
  EXPECT_TRUE(Contains(strict, "(4,2)")) << strict;
  EXPECT_TRUE(Contains(strict, "(2,4)")) << strict;
  auto permissive = MakeNet(ReplaceAll(net, "MODE", "share_mode: PERMISSIVE"));
  EXPECT_EQ(permissive->learnable_params().size(), 1u);
  EXPECT_EQ(permissive->layer_by_name("ip2")->blobs()[0]->cpu_data(),
            permissive->layer_by_name("ip1")->blobs()[0]->cpu_data());
}

TEST(Net, LrAndDecayMultipliers) {
  auto net = MakeNet(R"(
    layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'h' param { lr_mult: 2 decay_mult: 0 }
            param { lr_mult: 3 } inner_product_param { num_output: 3 } }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'h' top: 'y' inner_product_param { num_output: 3 } }
    layer { name: 'ip3' type: 'InnerProduct' bottom: 'y' top: 'z' param { name: 'w' }
            inner_product_param { num_output: 3 bias_term: false } }
    layer { name: 'ip4' type: 'InnerProduct' bottom: 'z' top: 'v'
            param { name: 'w' lr_mult: 5 decay_mult: 0.5 }
            inner_product_param { num_output: 3 bias_term: false } }
  )");
  // A sharer's explicit multipliers replace the owner's defaults.
  EXPECT_EQ(net->params_lr(), (std::vector<float>{2, 3, 1, 1, 5}));
  EXPECT_EQ(net->params_weight_decay(), (std::vector<float>{0, 1, 1, 1, 0.5f}));
  EXPECT_EQ(net->learnable_params().size(), 5u);
  EXPECT_EQ(net->params().size(), 6u);
}

TEST(Net, SharedParamMultipliersMustAgree) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
      layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'h' param { name: 'w' lr_mult: 1 }
              inner_product_param { num_output: 3 bias_term: false } }
      layer { name: 'ip2' type: 'InnerProduct' bottom: 'h' top: 'y' param { name: 'w' lr_mult: 2 }
              inner_product_param { num_output: 3 bias_term: false } }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'ip2'")) << err;
  EXPECT_TRUE(Contains(err, "lr_mult")) << err;
}

TEST(Net, TooManyParamSpecs) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
      layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'h' param { } param { }
              inner_product_param { num_output: 3 bias_term: false } }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'ip'")) << err;
  EXPECT_TRUE(Contains(err, "2 param entries")) << err;
}

const char* kPruning = R"(
  name: 'pruning' FORCE
  layer { name: 'input' type: 'Input' top: 'x' top: 'target'
          input_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 2 } } }
  layer { name: 'frozen' type: 'InnerProduct' bottom: 'x' top: 'f' param { lr_mult: 0 } param { lr_mult: 0 }
          inner_product_param { num_output: 4 weight_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'trained' type: 'InnerProduct' bottom: 'f' top: 'y'
          inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'side' type: 'InnerProduct' bottom: 'x' top: 's'
          inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 0.5 } } }
  layer { name: 'loss' type: 'EuclideanLoss' bottom: 'y' bottom: 'target' top: 'loss' }
)";

TEST(Net, BackwardSkipsLayersWithNothingToLearnOrNoLoss) {
  auto net = MakeNet(ReplaceAll(kPruning, "FORCE", ""), TRAIN);
  EXPECT_FALSE(net->layer_need_backward(LayerId(*net, "input")));
  EXPECT_FALSE(net->layer_need_backward(LayerId(*net, "x_input_0_split")));
  EXPECT_FALSE(net->layer_need_backward(LayerId(*net, "frozen")));  // lr_mult 0, input needs no gradient
  EXPECT_TRUE(net->layer_need_backward(LayerId(*net, "trained")));
  EXPECT_FALSE(net->layer_need_backward(LayerId(*net, "side")));  // trainable but reaches no loss
  EXPECT_TRUE(net->layer_need_backward(LayerId(*net, "loss")));
  EXPECT_EQ(net->bottom_need_backward()[LayerId(*net, "trained")], std::vector<bool>{false});
  EXPECT_EQ(net->bottom_need_backward()[LayerId(*net, "loss")], (std::vector<bool>{true, false}));
  EXPECT_FALSE(net->layer_by_name("frozen")->param_propagate_down(0));

  FillInputs(*net);
  net->ClearParamDiffs();
  // Layers that do not run backward leave their parameter diffs alone.
  for (const char* name : {"frozen", "side"}) {
    for (const auto& b : net->layer_by_name(name)->blobs()) {
      std::fill(b->mutable_cpu_diff(), b->mutable_cpu_diff() + b->count(), 7.f);
    }
  }
  net->Forward();
  // Were 'side' run backward, this gradient would reach its weights.
  Blob* s = net->blob_by_name("s").get();
  std::fill(s->mutable_cpu_diff(), s->mutable_cpu_diff() + s->count(), 1.f);
  net->Backward();
  for (const char* name : {"frozen", "side"}) {
    for (const auto& b : net->layer_by_name(name)->blobs()) {
      EXPECT_FLOAT_EQ(b->asum_diff(), 7.f * b->count()) << name;
    }
  }
  EXPECT_GT(net->layer_by_name("trained")->blobs()[0]->asum_diff(), 0.f);
}

TEST(Net, ForceBackwardReachesEveryInputThatAllowsIt) {
  auto pruned = MakeNet(ReplaceAll(kPruning, "FORCE", "force_backward: true"), TRAIN);
  for (size_t i = 0; i < pruned->layers().size(); ++i) EXPECT_TRUE(pruned->layer_need_backward(i)) << i;
  EXPECT_TRUE(pruned->layer_by_name("frozen")->param_propagate_down(0));

  auto net = MakeNet(Classify(true), TRAIN);
  const int loss = LayerId(*net, "loss");
  // The softmax loss has no gradient for its labels, so force_backward skips them.
  EXPECT_EQ(net->bottom_need_backward()[loss], (std::vector<bool>{true, false}));
  EXPECT_EQ(net->bottom_need_backward()[LayerId(*net, "ip")], std::vector<bool>{true});
  FillInputs(*net);
  FillLabels(net->blob_by_name("label").get(), 3);
  ExpectNetGradient(*net, net->blob_by_name("x").get(), "x");
}

TEST(Net, PropagateDownFalseStopsTheGradient) {
  auto net = MakeNet(R"(
    layer { name: 'input' type: 'Input' top: 'x' top: 'target'
            input_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 2 } } }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'x' top: 'h' inner_product_param { num_output: 3 } }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'h' top: 'y' propagate_down: false
            inner_product_param { num_output: 2 } }
    layer { name: 'loss' type: 'EuclideanLoss' bottom: 'y' bottom: 'target' top: 'loss' }
  )",
                     TRAIN);
  EXPECT_EQ(net->bottom_need_backward()[LayerId(*net, "ip2")], std::vector<bool>{false});
  EXPECT_TRUE(net->layer_need_backward(LayerId(*net, "ip2")));
  EXPECT_FALSE(net->layer_need_backward(LayerId(*net, "ip1")));

  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'x' top: 't' input_param { shape { dim: 3 dim: 2 } } }
      layer { name: 'loss' type: 'EuclideanLoss' bottom: 'x' bottom: 't' top: 'loss' propagate_down: true }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'loss'")) << err;
  EXPECT_TRUE(Contains(err, "propagate_down")) << err;
}

TEST(Net, UnknownBottomNamesLayerAndBlob) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'fc6' input_param { shape { dim: 2 dim: 3 } } }
      layer { name: 'fc7' type: 'InnerProduct' bottom: 'fc6x' top: 'fc7'
              inner_product_param { num_output: 3 } }
    )");
  });
  EXPECT_EQ(err, "layer 'fc7': unknown bottom blob 'fc6x' (no earlier layer produces it; did you mean 'fc6'?)");
}

TEST(Net, UnknownBottomSuggestsTheClosestBlobProducedBeforeIt) {
  std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'data' input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 } } }
      layer { name: 'conv1' type: 'Convolution' bottom: 'data' top: 'conv1'
              convolution_param { num_output: 2 kernel_size: 3 } }
      layer { name: 'conv2' type: 'Convolution' bottom: 'conv11' top: 'conv2'
              convolution_param { num_output: 2 kernel_size: 3 } }
    )");
  });
  EXPECT_EQ(err, "layer 'conv2': unknown bottom blob 'conv11' (no earlier layer produces it; did you mean 'conv1'?)");
  // Only blobs produced before count: 'conv2' comes after the reader.
  err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'data' input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 } } }
      layer { name: 'relu' type: 'ReLU' bottom: 'conv2' top: 'r' }
      layer { name: 'conv2' type: 'Convolution' bottom: 'data' top: 'conv2'
              convolution_param { num_output: 2 kernel_size: 3 } }
    )");
  });
  EXPECT_EQ(err, "layer 'relu': unknown bottom blob 'conv2' (no earlier layer produces it)");
}

// Each bottom's shape traced back to the input, through an in-place ReLU
// (passed over) and the Split that the two readers of 'data' get.
TEST(Net, ShapeMismatchNamesTheChainBehindEachBottom) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'data' type: 'Input' top: 'data' input_param { shape { dim: 2 dim: 1 dim: 28 dim: 28 } } }
      layer { name: 'conv1' type: 'Convolution' bottom: 'data' top: 'conv1'
              convolution_param { num_output: 4 kernel_size: 5 } }
      layer { name: 'relu1' type: 'ReLU' bottom: 'conv1' top: 'conv1' }
      layer { name: 'pool1' type: 'Pooling' bottom: 'conv1' top: 'pool1'
              pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
      layer { name: 'conv2' type: 'Convolution' bottom: 'pool1' top: 'conv2'
              convolution_param { num_output: 6 kernel_size: 5 } }
      layer { name: 'pool2' type: 'Pooling' bottom: 'conv2' top: 'pool2'
              pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
      layer { name: 'convb' type: 'Convolution' bottom: 'data' top: 'convb'
              convolution_param { num_output: 6 kernel_size: 5 } }
      layer { name: 'sum' type: 'Eltwise' bottom: 'pool2' bottom: 'convb' top: 'sum' }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'sum' (Eltwise): bottom 1 has shape")) << err;
  EXPECT_TRUE(Contains(err, "; bottom 'pool2' 2x6x4x4 from pool2 (Pooling) <- conv2 (Convolution) 2x6x8x8 <- "
                            "pool1 (Pooling) 2x4x12x12 <- conv1 (Convolution) 2x4x24x24 <- data (Input) 2x1x28x28; "
                            "bottom 'convb' 2x6x24x24 from convb (Convolution) <- data (Input) 2x1x28x28"))
      << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

// Shared weights of two InnerProducts that see inputs of different sizes.
TEST(Net, SharedWeightsOfAnotherShapeNameTheChain) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'data' type: 'Input' top: 'a' top: 'b'
              input_param { shape { dim: 2 dim: 10 } shape { dim: 2 dim: 3 dim: 4 } } }
      layer { name: 'ipa' type: 'InnerProduct' bottom: 'a' top: 'ya' param { name: 'w' }
              inner_product_param { num_output: 5 } }
      layer { name: 'ipb' type: 'InnerProduct' bottom: 'b' top: 'yb' param { name: 'w' }
              inner_product_param { num_output: 5 } }
    )");
  });
  EXPECT_TRUE(Contains(err, "cannot share param 'w'")) << err;
  EXPECT_TRUE(Contains(err, "; bottom 'b' 2x3x4 from data (Input)")) << err;
}

// The same when a new input shape reaches a layer at Reshape.
TEST(Net, ReshapeToMismatchedShapesNamesTheChain) {
  auto net = MakeNet(R"(
    layer { name: 'data' type: 'Input' top: 'a' top: 'b'
            input_param { shape { dim: 2 dim: 1 dim: 8 dim: 8 } shape { dim: 2 dim: 1 dim: 8 dim: 8 } } }
    layer { name: 'pool' type: 'Pooling' bottom: 'a' top: 'p' pooling_param { pool: AVE kernel_size: 1 } }
    layer { name: 'sum' type: 'Eltwise' bottom: 'p' bottom: 'b' top: 'sum' }
  )");
  net->input_blobs()[0]->Reshape({2, 1, 6, 6});
  const std::string err = ErrorOf([&] { net->Reshape(); });
  EXPECT_TRUE(Contains(err, "layer 'sum' (Eltwise): bottom 1 has shape")) << err;
  EXPECT_TRUE(Contains(err, "; bottom 'p' 2x1x6x6 from pool (Pooling) <- data (Input) 2x1x6x6; bottom 'b' 2x1x8x8 "
                            "from data (Input)"))
      << err;
}

// Other setup errors stay as they were.
TEST(Net, SetupErrorsNotAboutShapesGetNoChain) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'data' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 10 } } }
      layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' }
    )");
  });
  EXPECT_TRUE(Contains(err, "needs a positive num_output")) << err;
  EXPECT_FALSE(Contains(err, "bottom 'x'")) << err;
}

// The library alone (as this test links it) has no Python: a Python layer is
// refused with the reason, not as an unknown type.
TEST(Net, PythonLayerWithoutPythonSaysWhatItNeeds) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
      layer { name: 'py' type: 'Python' bottom: 'x' top: 'y' python_param { module: 'm' layer: 'L' } }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'py' (Python): Python layers need a build with Python (CNN_WITH_PYTHON")) << err;
}

TEST(Net, BottomFromAFilteredLayerIsUnknown) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } }
              include { phase: TRAIN } }
      layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 3 } }
    )",
            TEST);
  });
  EXPECT_TRUE(Contains(err, "layer 'ip': unknown bottom blob 'x'")) << err;
}

TEST(Net, TopProducedTwice) {
  const std::string err = ErrorOf([] {
    MakeNet(R"(
      layer { name: 'in1' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
      layer { name: 'in2' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }
    )");
  });
  EXPECT_TRUE(Contains(err, "layer 'in2'")) << err;
  EXPECT_TRUE(Contains(err, "'x' is already produced by layer 'in1'")) << err;
}

TEST(Net, LayerErrorsNameTheLayer) {
  const std::string type_err =
      ErrorOf([] { MakeNet("layer { name: 'mystery' type: 'NoSuchLayerType' top: 'x' }"); });
  EXPECT_TRUE(Contains(type_err, "mystery")) << type_err;
  EXPECT_TRUE(Contains(type_err, "NoSuchLayerType")) << type_err;
  // A failure inside a blob, below the layer, still says which layer.
  const std::string shape_err = ErrorOf([] {
    MakeNet("layer { name: 'input' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: -3 } } }");
  });
  EXPECT_EQ(shape_err.rfind("layer 'input'", 0), 0u) << shape_err;
}

TEST(Net, LegacyNetInputFields) {
  Context::set_random_seed(1);
  Net dims(ParseNet(R"(
    name: 'legacy'
    input: 'data' input_dim: 2 input_dim: 3 input_dim: 1 input_dim: 1
    layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { num_output: 2 } }
  )"));
  EXPECT_EQ(dims.layer_names()[0], "input");
  ASSERT_EQ(dims.input_blobs().size(), 1u);
  EXPECT_EQ(dims.input_blobs()[0]->shape(), (std::vector<int>{2, 3, 1, 1}));
  EXPECT_EQ(dims.blob_by_name("ip")->shape(), (std::vector<int>{2, 2}));

  Net shapes(ParseNet(R"(
    input: 'a' input_shape { dim: 4 dim: 5 } input: 'b' input_shape { dim: 4 dim: 5 }
    layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'sum' }
  )"));
  ASSERT_EQ(shapes.input_blobs().size(), 2u);
  EXPECT_EQ(shapes.blob_by_name("sum")->shape(), (std::vector<int>{4, 5}));
}

TEST(Net, ReshapeFollowsNewInputShapes) {
  auto net = MakeNet(Regression());
  net->blob_by_name("x")->Reshape({7, 3});
  net->blob_by_name("target")->Reshape({7, 2});
  net->Reshape();
  EXPECT_EQ(net->blob_by_name("ip1")->shape(), (std::vector<int>{7, 2}));
  FillInputs(*net);
  EXPECT_GT(net->Forward(), 0.f);
}

TEST(Net, ForwardFromToRunsARange) {
  auto net = MakeNet(Regression());
  FillInputs(*net);
  EXPECT_FLOAT_EQ(net->ForwardFromTo(0, 1), 0.f);  // stops before the loss
  EXPECT_GT(net->blob_by_name("ip1")->asum_data(), 0.f);
  EXPECT_FLOAT_EQ(net->blob_by_name("loss")->asum_data(), 0.f);
  EXPECT_GT(net->ForwardFromTo(2, 2), 0.f);
  EXPECT_THROW(net->ForwardFromTo(0, 3), Error);
  EXPECT_THROW(net->BackwardFromTo(3, 0), Error);
}

TEST(Net, DebugInfoRuns) {
  auto net = MakeNet(std::string(Regression()) + "debug_info: true", TRAIN);
  FillInputs(*net);
  EXPECT_GT(net->ForwardBackward(), 0.f);
}

// Forward outputs of the regression net for fixed inputs.
std::vector<float> Outputs(Net& net) {
  FillInputs(net, 99);
  net.Forward();
  return DataOf(*net.blob_by_name("ip1"));
}

TEST(Net, CopyTrainedLayersByName) {
  auto trained = MakeNet(Regression(), TRAIN, 1);
  NetParameter weights;
  trained->ToProto(&weights);
  EXPECT_EQ(weights.name(), "regression");
  EXPECT_EQ(weights.layer_size(), 3);
  EXPECT_EQ(weights.layer(1).blobs_size(), 2);
  EXPECT_EQ(weights.input_size(), 0);

  // The new net has an extra layer the weights do not mention.
  const std::string extended = Regression() + R"(
    layer { name: 'extra' type: 'InnerProduct' bottom: 'x' top: 'extra'
            inner_product_param { num_output: 2 weight_filler { type: 'gaussian' std: 1 } } }
  )";
  auto fresh = MakeNet(extended, TEST, 2);
  const std::vector<float> extra_before = DataOf(*fresh->layer_by_name("extra")->blobs()[0]);
  EXPECT_NE(Outputs(*fresh), Outputs(*trained));
  fresh->CopyTrainedLayersFrom(weights);
  EXPECT_EQ(Outputs(*fresh), Outputs(*trained));
  EXPECT_EQ(DataOf(*fresh->layer_by_name("extra")->blobs()[0]), extra_before);
}

TEST(Net, WeightsRoundTripThroughFiles) {
  auto trained = MakeNet(Regression(), TRAIN, 1);
  NetParameter weights;
  trained->ToProto(&weights);
  const std::string dir = test::MakeTempDir();
  WriteProtoToBinaryFile(weights, dir + "/w.caffemodel");
  WriteProtoToTextFile(weights, dir + "/w.prototxt");
  for (const char* file : {"/w.caffemodel", "/w.prototxt"}) {
    auto fresh = MakeNet(Regression(), TEST, 3);
    fresh->CopyTrainedLayersFromFile(dir + file);
    EXPECT_EQ(Outputs(*fresh), Outputs(*trained)) << file;
  }
  auto fresh = MakeNet(Regression());
  EXPECT_THROW(fresh->CopyTrainedLayersFromFile(dir + "/missing.caffemodel"), Error);
}

TEST(Net, CopyChecksBlobCountAndShape) {
  auto net = MakeNet(Regression());
  NetParameter no_bias;
  MakeNet(ReplaceAll(Regression(), "num_output: 2", "num_output: 2 bias_term: false"))->ToProto(&no_bias);
  EXPECT_EQ(ErrorOf([&] { net->CopyTrainedLayersFrom(no_bias); }),
            "layer 'ip1': weights file has 1 blob(s), the net expects 2");

  NetParameter wider;
  MakeNet(ReplaceAll(Regression(), "dim: 4 dim: 3", "dim: 4 dim: 5"))->ToProto(&wider);
  const std::string err = ErrorOf([&] { net->CopyTrainedLayersFrom(wider); });
  EXPECT_TRUE(Contains(err, "layer 'ip1'")) << err;
  EXPECT_TRUE(Contains(err, "blob 0")) << err;
  EXPECT_TRUE(Contains(err, "(2,5)")) << err;
  EXPECT_TRUE(Contains(err, "(2,3)")) << err;
}

TEST(Net, CopyAcceptsLegacyFourDimensionalBlobs) {
  auto net = MakeNet(Regression());
  NetParameter weights = ParseNet(R"(
    layer { name: 'ip1'
      blobs { num: 1 channels: 1 height: 2 width: 3 data: [1, 2, 3, 4, 5, 6] }
      blobs { num: 1 channels: 1 height: 1 width: 2 data: [7, 8] } }
  )");
  net->CopyTrainedLayersFrom(weights);
  EXPECT_EQ(DataOf(*net->layer_by_name("ip1")->blobs()[0]), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(DataOf(*net->layer_by_name("ip1")->blobs()[1]), (std::vector<float>{7, 8}));
  // 4-D fields that disagree are still a mismatch.
  weights.mutable_layer(0)->mutable_blobs(0)->set_height(3);
  weights.mutable_layer(0)->mutable_blobs(0)->set_width(2);
  const std::string err = ErrorOf([&] { net->CopyTrainedLayersFrom(weights); });
  EXPECT_TRUE(Contains(err, "(1,1,3,2)")) << err;
}

TEST(Net, ToProtoWritesDiffsOnRequest) {
  auto net = MakeNet(Regression(), TRAIN);
  FillInputs(*net);
  net->ClearParamDiffs();
  net->ForwardBackward();
  NetParameter with, without;
  net->ToProto(&with, true);
  net->ToProto(&without, false);
  EXPECT_EQ(with.layer(1).blobs(0).diff_size(), 6);
  EXPECT_EQ(without.layer(1).blobs(0).diff_size(), 0);
  EXPECT_EQ(with.layer(1).blobs(0).diff(0), net->layer_by_name("ip1")->blobs()[0]->cpu_diff()[0]);
}

TEST(Net, ShareTrainedLayersWith) {
  auto train = MakeNet(Regression(), TRAIN, 1);
  auto test = MakeNet(Regression(), TEST, 2);
  test->ShareTrainedLayersWith(*train);
  const auto& tb = train->layer_by_name("ip1")->blobs();
  const auto& sb = test->layer_by_name("ip1")->blobs();
  for (int p = 0; p < 2; ++p) EXPECT_EQ(sb[p]->cpu_data(), tb[p]->cpu_data());
  EXPECT_EQ(Outputs(*test), Outputs(*train));
  // Training steps on one are seen by the other.
  tb[1]->mutable_cpu_data()[0] += 1.f;
  EXPECT_EQ(Outputs(*test), Outputs(*train));
}

TEST(Net, ClearParamDiffsZeroesEveryLearnableDiff) {
  auto net = MakeNet(kShared, TRAIN);
  FillInputs(*net);
  net->ForwardBackward();
  net->ClearParamDiffs();
  for (const Blob* b : net->learnable_params()) EXPECT_EQ(b->asum_diff(), 0.f);
}

// A layer that asks the net for one top the prototxt does not name.
class AutoTopTestLayer : public Layer {
 public:
  explicit AutoTopTestLayer(const LayerParameter& p) : Layer(p) {}
  const char* type() const override { return "NetTestAutoTop"; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AutoTopBlobs() const override { return true; }
  void Reshape(const BlobVec&, const BlobVec& top) override { top[0]->Reshape({2}); }

 protected:
  void Forward_cpu(const BlobVec&, const BlobVec& top) override {
    top[0]->mutable_cpu_data()[0] = 1.f;
    top[0]->mutable_cpu_data()[1] = 2.f;
  }
  void Backward_cpu(const BlobVec&, const std::vector<bool>&, const BlobVec&) override {}
};
CNN_REGISTER_LAYER(NetTestAutoTop, AutoTopTestLayer);

TEST(Net, AutoTopBlobsAreCreatedButNotOutputs) {
  auto net = MakeNet("layer { name: 'auto' type: 'NetTestAutoTop' }");
  ASSERT_EQ(net->top_vecs()[0].size(), 1u);
  EXPECT_EQ(net->top_vecs()[0][0]->shape(), std::vector<int>{2});
  EXPECT_TRUE(net->output_blobs().empty());
  net->Forward();
  EXPECT_EQ(DataOf(*net->top_vecs()[0][0]), (std::vector<float>{1, 2}));
}

}  // namespace
}  // namespace cnn
