#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/batch_norm_layer.hpp"
#ifdef CNN_WITH_CUDNN
#include "cnn/layers/norm/cudnn_batch_norm_layer.hpp"
#endif
#include "cnn/net/net.hpp"
#include "cnn/solvers/solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& extra, const std::string& param = "") {
  return LayerRegistry::Create(
      ParseLayer("name: 'bn' type: 'BatchNorm' " + extra + " batch_norm_param { " + param + " }"));
}

void ExpectAllNear(const std::vector<float>& actual, const std::vector<float>& expected, float tol = 1e-5f) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol * std::max(1.f, std::fabs(expected[i]))) << "element " << i;
}

// 2 x 2 x 2: channel 0 holds {1, 3 | 5, 7} (mean 4, variance 5), channel 1
// {0, 0 | 2, -2} (mean 0, variance 2).
const std::vector<float> kFirst = {1, 3, 0, 0, 5, 7, 2, -2};
// Channel 0 {2, 4 | 6, 8} (mean 5, variance 5), channel 1 {1, 1 | 3, -1}
// (mean 1, variance 2).
const std::vector<float> kSecond = {2, 4, 1, 1, 6, 8, 3, -1};

TEST(BatchNormLayer, DefaultsFollowCaffe) {
  auto train = Make("phase: TRAIN");
  auto test_phase = Make("phase: TEST");
  Blob bottom(std::vector<int>{2, 3}), top;
  train->SetUp({&bottom}, {&top});
  test_phase->SetUp({&bottom}, {&top});
  EXPECT_FALSE(static_cast<BatchNormLayer&>(*train).use_global_stats());
  EXPECT_TRUE(static_cast<BatchNormLayer&>(*test_phase).use_global_stats());
  auto forced = Make("phase: TRAIN", "use_global_stats: true");
  forced->SetUp({&bottom}, {&top});
  EXPECT_TRUE(static_cast<BatchNormLayer&>(*forced).use_global_stats());
  const BatchNormParameter defaults;
  EXPECT_FLOAT_EQ(defaults.moving_average_fraction(), 0.999f);
  EXPECT_FLOAT_EQ(defaults.eps(), 1e-5f);

  // Caffe's blob layout, all zeros, and every blob kept from the solver.
  ASSERT_EQ(train->blobs().size(), 3u);
  EXPECT_EQ(train->blobs()[0]->shape(), (std::vector<int>{3}));
  EXPECT_EQ(train->blobs()[1]->shape(), (std::vector<int>{3}));
  EXPECT_EQ(train->blobs()[2]->shape(), (std::vector<int>{1}));
  for (const auto& b : train->blobs()) EXPECT_EQ(b->asum_data(), 0.f);
  ASSERT_EQ(train->layer_param().param_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(train->layer_param().param(i).lr_mult(), 0.f);
    EXPECT_FALSE(train->param_propagate_down(i));
  }
}

TEST(BatchNormLayer, TrainNormalisesByTheBatchAndAccumulatesStatistics) {
  auto layer = Make("phase: TRAIN", "moving_average_fraction: 0.5 eps: 0.001");
  Blob bottom(std::vector<int>{2, 2, 2}), top;
  FillValues(&bottom, kFirst);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const float s0 = std::sqrt(5.001f), s1 = std::sqrt(2.001f);
  ExpectAllNear(DataOf(top), {-3 / s0, -1 / s0, 0, 0, 1 / s0, 3 / s0, 2 / s1, -2 / s1});
  // Four values per channel: the stored variance is unbiased, times 4/3.
  ExpectAllNear(DataOf(*layer->blobs()[0]), {4, 0});
  ExpectAllNear(DataOf(*layer->blobs()[1]), {5 * 4 / 3.f, 2 * 4 / 3.f});
  ExpectAllNear(DataOf(*layer->blobs()[2]), {1});

  FillValues(&bottom, kSecond);
  layer->Forward({&bottom}, {&top});
  ExpectAllNear(DataOf(top), {-3 / s0, -1 / s0, 0, 0, 1 / s0, 3 / s0, 2 / s1, -2 / s1});
  // sum = batch + 0.5 * previous sum; total = 0.5 * 1 + 1.
  ExpectAllNear(DataOf(*layer->blobs()[0]), {5 + 0.5f * 4, 1 + 0.5f * 0});
  ExpectAllNear(DataOf(*layer->blobs()[1]), {5 * 4 / 3.f * 1.5f, 2 * 4 / 3.f * 1.5f});
  ExpectAllNear(DataOf(*layer->blobs()[2]), {1.5f});
}

TEST(BatchNormLayer, GlobalStatsDivideTheStoredSumsByTheFactor) {
  // The sums left by the test above: means 7/1.5 and 1/1.5, variances 10/1.5
  // and 4/1.5.
  auto layer = Make("phase: TEST", "eps: 0.001");
  Blob bottom(std::vector<int>{2, 2, 2}), top;
  FillValues(&bottom, kFirst);
  layer->SetUp({&bottom}, {&top});
  FillValues(layer->blobs()[0].get(), {7, 1});
  FillValues(layer->blobs()[1].get(), {10, 4});
  FillValues(layer->blobs()[2].get(), {1.5f});
  layer->Forward({&bottom}, {&top});
  const float m0 = 7 / 1.5f, m1 = 1 / 1.5f;
  const float s0 = std::sqrt(10 / 1.5f + 0.001f), s1 = std::sqrt(4 / 1.5f + 0.001f);
  std::vector<float> expected;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 2; ++i) {
        const float x = kFirst[(n * 2 + c) * 2 + i];
        expected.push_back(c == 0 ? (x - m0) / s0 : (x - m1) / s1);
      }
  ExpectAllNear(DataOf(top), expected);
  // Nothing is folded into the sums.
  ExpectAllNear(DataOf(*layer->blobs()[0]), {7, 1});
  ExpectAllNear(DataOf(*layer->blobs()[2]), {1.5f});

  // Before any batch the factor is 0 and so are the statistics: y = x / sqrt(eps).
  auto fresh = Make("phase: TEST", "eps: 0.25");
  fresh->SetUp({&bottom}, {&top});
  fresh->Forward({&bottom}, {&top});
  std::vector<float> doubled = kFirst;
  for (float& v : doubled) v *= 2;
  ExpectAllNear(DataOf(top), doubled);
}

TEST(BatchNormLayer, InPlaceAndWithoutSpatialAxes) {
  auto layer = Make("phase: TRAIN");
  Blob blob(std::vector<int>{4, 2});  // N x C
  FillValues(&blob, {1, 10, 2, 20, 3, 30, 4, 40});
  layer->SetUp({&blob}, {&blob});
  layer->Forward({&blob}, {&blob});
  const float s0 = std::sqrt(1.25f + 1e-5f), s1 = std::sqrt(125.f + 1e-5f);
  ExpectAllNear(DataOf(blob), {-1.5f / s0, -15 / s1, -0.5f / s0, -5 / s1, 0.5f / s0, 5 / s1, 1.5f / s0, 15 / s1});
  ExpectAllNear(DataOf(*layer->blobs()[0]), {2.5f, 25});
  ExpectAllNear(DataOf(*layer->blobs()[1]), {1.25f * 4 / 3, 125.f * 4 / 3});
}

TEST(BatchNormLayer, GlobalStatsBackwardIsAPerChannelAffineMap) {
  auto layer = Make("phase: TEST", "eps: 0");
  Blob bottom(std::vector<int>{1, 2, 2}), top;
  FillValues(&bottom, {1, 2, 3, 4});
  layer->SetUp({&bottom}, {&top});
  FillValues(layer->blobs()[1].get(), {4, 16});
  FillValues(layer->blobs()[2].get(), {1});
  layer->Forward({&bottom}, {&top});
  FillValues(&top, {1, 1, 1, 1});
  std::copy(top.cpu_data(), top.cpu_data() + 4, top.mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&bottom});
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 4), (std::vector<float>{0.5f, 0.5f, 0.25f, 0.25f}));
}

TEST(BatchNormLayer, NegativeEpsIsRefused) {
  // eps 0 is accepted, as Caffe does; a negative one can only make NaNs.
  auto layer = Make("phase: TRAIN", "eps: -0.001");
  Blob bottom(std::vector<int>{2, 3}), top;
  EXPECT_EQ(test::ErrorOf([&] { layer->SetUp({&bottom}, {&top}); }),
            "layer 'bn' (BatchNorm): eps must not be negative, got -0.001");
}

// TRAIN's gradient on Gaussian(1, 2) inputs (in the current mode).
void CheckTrainGradient(Layer& layer, const std::vector<int>& shape) {
  Blob bottom(shape), top;
  Context::set_random_seed(3);
  FillGaussian(&bottom, 2.f, 1.f);
  // A small step: the output is a normalised, strongly coupled function of
  // every input of the channel, so second-order terms grow fast.
  test::GradientCheckOptions options;
  options.step = 1e-3f;
  options.threshold = 2e-2f;
  CheckGradient(layer, {&bottom}, {&top}, options);
}

TEST(BatchNormLayer, GradientTrain) {
  for (const std::vector<int>& shape : {std::vector<int>{2, 3, 2, 2}, std::vector<int>{5, 3}, std::vector<int>{3, 2, 4}}) {
    SCOPED_TRACE(::testing::PrintToString(shape));
    CheckTrainGradient(*Make("phase: TRAIN"), shape);
  }
}

TEST(BatchNormLayer, GradientGlobalStats) {
  auto layer = Make("phase: TRAIN", "use_global_stats: true");
  Blob bottom(std::vector<int>{2, 3, 2, 2}), top;
  Context::set_random_seed(4);
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  FillValues(layer->blobs()[0].get(), {0.5f, -1, 2});
  FillValues(layer->blobs()[1].get(), {1, 3, 0.5f});
  FillValues(layer->blobs()[2].get(), {2});
  test::GradientCheckOptions options;
  options.check_params = false;  // the statistics get no gradient (as in Caffe)
  CheckGradient(*layer, {&bottom}, {&top}, options);
}

TEST(BatchNormLayer, BadInputIsAnError) {
  Blob one_d(std::vector<int>{6}), top;
  EXPECT_EQ(test::ErrorOf([&] { Make("phase: TRAIN")->SetUp({&one_d}, {&top}); }),
            "layer 'bn' (BatchNorm): needs an input of shape N x C (x spatial...), got shape 6 (6) (1 axis/axes)");

  auto layer = Make("phase: TRAIN");
  Blob bottom(std::vector<int>{2, 3, 4}), wider(std::vector<int>{2, 5, 4});
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(test::ErrorOf([&] { layer->Forward({&wider}, {&top}); }),
            "layer 'bn' (BatchNorm): input of shape 2 5 4 (40) does not have the 3 channels (axis 1) the layer "
            "was set up with");

  auto learned = LayerRegistry::Create(
      ParseLayer("name: 'bn' type: 'BatchNorm' param { lr_mult: 0 } param { lr_mult: 1 }"));
  EXPECT_EQ(test::ErrorOf([&] { learned->SetUp({&bottom}, {&top}); }),
            "layer 'bn' (BatchNorm): param 1 has lr_mult 1: blobs 0-2 are statistics the layer updates itself; "
            "give lr_mult: 0 or no param");

  LayerParameter p = ParseLayer("name: 'bn' type: 'BatchNorm' blobs { shape { dim: 4 } data: [0, 0, 0, 0] } "
                                "blobs { shape { dim: 3 } data: [0, 0, 0] } blobs { shape { dim: 1 } data: 1 }");
  auto inline_blobs = LayerRegistry::Create(p);
  EXPECT_EQ(test::ErrorOf([&] { inline_blobs->SetUp({&bottom}, {&top}); }),
            "layer 'bn' (BatchNorm): blob 0 has shape 4 (4), expected 3 value(s) for input of shape 2 3 4 (24)");
}

// ---- In a net, with a solver ------------------------------------------------

// Caffe's ResNet pattern: Convolution, then BatchNorm and Scale (bias_term)
// in place on its top, then ReLU in place.
const char* const kResNetPattern = R"(
  name: "bn_scale"
  layer { name: "data" type: "DummyData" top: "data" top: "label"
    dummy_data_param { shape { dim: 6 dim: 2 dim: 5 dim: 5 } shape { dim: 6 }
      data_filler { type: "gaussian" std: 2 } data_filler { type: "constant" value: 1 } } }
  layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
    convolution_param { num_output: 3 kernel_size: 3
      weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "constant" value: 0.5 } } }
  layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
  layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
  layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
  layer { name: "fc" type: "InnerProduct" bottom: "conv" top: "fc"
    inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } } }
  layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
)";

std::vector<std::vector<float>> BlobValues(const Layer& layer) {
  std::vector<std::vector<float>> v;
  for (const auto& b : layer.blobs()) v.push_back(DataOf(*b));
  return v;
}

// The statistics the BatchNorm layer should have folded in during the step
// that ran `conv` (with the weights it had then) on `data`: per channel the
// mean and the biased variance of the convolution's output.
void ConvStatistics(const Layer& conv, const std::vector<std::vector<float>>& conv_blobs, const Blob& data,
                    std::vector<double>* mean, std::vector<double>* var) {
  auto copy = LayerRegistry::Create(conv.layer_param());
  Blob x(data.shape()), y;
  x.CopyFrom(data);
  copy->SetUp({&x}, {&y});
  for (size_t i = 0; i < conv_blobs.size(); ++i) FillValues(copy->blobs()[i].get(), conv_blobs[i]);
  copy->Forward({&x}, {&y});
  const int n = y.shape(0), c = y.shape(1), s = y.count(2);
  mean->assign(c, 0.0);
  var->assign(c, 0.0);
  for (int ch = 0; ch < c; ++ch) {
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < s; ++k) (*mean)[ch] += y.cpu_data()[(i * c + ch) * s + k];
    (*mean)[ch] /= n * s;
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < s; ++k) {
        const double d = y.cpu_data()[(i * c + ch) * s + k] - (*mean)[ch];
        (*var)[ch] += d * d;
      }
    (*var)[ch] /= n * s;
  }
}

class BatchNormInNet : public ::testing::TestWithParam<const char*> {};

TEST_P(BatchNormInNet, SolverStepsLeaveTheStatisticsToTheLayer) {
  SolverParameter sp;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kResNetPattern, sp.mutable_net_param()));
  sp.set_type(GetParam());
  sp.set_base_lr(0.05f);
  sp.set_lr_policy("fixed");
  sp.set_weight_decay(0.1f);  // would pull the statistics toward 0 if applied
  sp.set_momentum(std::string(GetParam()) == "AdaDelta" ? 0.95f : 0.9f);
  if (std::string(GetParam()) == "AdaGrad" || std::string(GetParam()) == "RMSProp") sp.set_momentum(0);
  sp.set_max_iter(100);
  sp.set_snapshot_after_train(false);
  sp.set_random_seed(3);
  auto solver = SolverRegistry::Create(sp);
  Net& net = solver->net();
  Layer& bn = *net.layer_by_name("bn");
  Layer& conv = *net.layer_by_name("conv");
  Layer& scale = *net.layer_by_name("scale");

  // The solver sees the statistics with learning rate 0.
  for (const auto& b : bn.blobs()) {
    const auto& params = net.learnable_params();
    const auto it = std::find(params.begin(), params.end(), b.get());
    ASSERT_NE(it, params.end());
    EXPECT_EQ(net.params_lr()[it - params.begin()], 0.f);
  }

  const double m = 6 * 3 * 3;  // values per channel of the 6 x 3 x 3 x 3 convolution output
  for (int step = 0; step < 4; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const auto bn_before = BlobValues(bn);
    const auto conv_before = BlobValues(conv);
    const auto scale_before = BlobValues(scale);
    solver->Step(1);
    std::vector<double> mean, var;
    ConvStatistics(conv, conv_before, *net.blob_by_name("data"), &mean, &var);
    const auto bn_after = BlobValues(bn);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(bn_after[0][c], mean[c] + 0.999 * bn_before[0][c], 1e-5 * std::max(1.0, std::fabs(mean[c])));
      EXPECT_NEAR(bn_after[1][c], m / (m - 1) * var[c] + 0.999 * bn_before[1][c], 1e-5 * std::max(1.0, var[c]));
    }
    EXPECT_FLOAT_EQ(bn_after[2][0], 0.999f * bn_before[2][0] + 1.f);
    // The learned blobs around it did move.
    EXPECT_NE(BlobValues(conv), conv_before);
    EXPECT_NE(BlobValues(scale), scale_before);
  }

  // The weights file holds Caffe's layout: BatchNorm's three blobs (C, C, 1)
  // and Scale's scale then bias; a net reading it gets the same statistics.
  NetParameter trained;
  net.ToProto(&trained);
  const LayerParameter* bn_proto = nullptr;
  const LayerParameter* scale_proto = nullptr;
  for (const auto& l : trained.layer()) {
    if (l.name() == "bn") bn_proto = &l;
    if (l.name() == "scale") scale_proto = &l;
  }
  ASSERT_TRUE(bn_proto && scale_proto);
  ASSERT_EQ(bn_proto->blobs_size(), 3);
  EXPECT_EQ(bn_proto->blobs(0).shape().dim_size(), 1);
  EXPECT_EQ(bn_proto->blobs(0).shape().dim(0), 3);
  EXPECT_EQ(bn_proto->blobs(1).shape().dim(0), 3);
  EXPECT_EQ(bn_proto->blobs(2).shape().dim(0), 1);
  EXPECT_EQ(bn_proto->blobs(2).data(0), bn.blobs()[2]->cpu_data()[0]);
  ASSERT_EQ(scale_proto->blobs_size(), 2);
  EXPECT_EQ(scale_proto->blobs(1).data(0), scale.blobs()[1]->cpu_data()[0]);
  NetParameter test_def = sp.net_param();
  test_def.mutable_state()->set_phase(TEST);
  Net test_net(test_def);
  test_net.CopyTrainedLayersFrom(trained);
  EXPECT_EQ(BlobValues(*test_net.layer_by_name("bn")), BlobValues(bn));
  EXPECT_TRUE(static_cast<BatchNormLayer*>(test_net.layer_by_name("bn"))->use_global_stats());
}

INSTANTIATE_TEST_SUITE_P(Solvers, BatchNormInNet,
                         ::testing::Values("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"));

// ---- GPU -------------------------------------------------------------------

const char* const kStoredStats =
    " blobs { shape { dim: 3 } data: [0.5, -1, 2] } blobs { shape { dim: 3 } data: [1, 3, 0.5] }"
    " blobs { shape { dim: 1 } data: 2 }";

TEST(BatchNormLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::vector<std::vector<int>> shapes = {{4, 3, 5, 6}, {7, 3}, {2, 3, 300}, {1, 3, 1}};
  for (const char* phase : {"phase: TRAIN", "phase: TEST"}) {
    for (const auto& shape : shapes) {
      SCOPED_TRACE(std::string(phase) + " " + ::testing::PrintToString(shape));
      test::ExpectGpuMatchesCpu(
          ParseLayer(std::string("name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y' ") + phase + kStoredStats), {shape});
      test::GpuCompareOptions in_place;
      in_place.in_place = true;
      test::ExpectGpuMatchesCpu(
          ParseLayer(std::string("name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'x' ") + phase + kStoredStats), {shape},
          in_place);
    }
  }
}

TEST(BatchNormLayerGpu, RunningStatisticsMatchCpu) {
  SKIP_WITHOUT_GPU();
  auto run = [](bool gpu) {
    Context::set_random_seed(5);
    auto layer = Make("phase: TRAIN", "moving_average_fraction: 0.9 engine: CAFFE");
    Blob bottom(std::vector<int>{6, 4, 3, 3}), top;
    FillGaussian(&bottom, 3.f, 2.f);
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    layer->SetUp({&bottom}, {&top});
    for (int i = 0; i < 3; ++i) layer->Forward({&bottom}, {&top});
    std::vector<std::vector<float>> blobs;
    for (const auto& b : layer->blobs()) blobs.push_back(DataOf(*b));
    return blobs;
  };
  const auto cpu = run(false);
  const auto gpu = run(true);
  for (size_t i = 0; i < cpu.size(); ++i) ExpectAllNear(gpu[i], cpu[i], 1e-5f);
}

TEST(BatchNormLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  CheckTrainGradient(*Make("phase: TRAIN", "engine: CAFFE"), {2, 3, 2, 2});
}

// ---- engine: CUDNN against engine: CAFFE -------------------------------------

#ifdef CNN_WITH_CUDNN

// Which inputs run on cuDNN is decided from the parameters and the shape
// alone, so it is checked here, without a GPU (CPU mode never calls cuDNN).
TEST(CudnnBatchNormLayer, UsesCudnnExactlyWhereItMatchesCaffe) {
  struct Expect {
    std::string phase, param;
    std::vector<int> shape;
    bool cudnn;
  };
  const std::vector<Expect> cases = {
      {"phase: TRAIN", "", {4, 3, 5, 6}, true},
      {"phase: TRAIN", "", {7, 3}, true},
      {"phase: TRAIN", "", {2, 3, 4, 3, 2}, true},  // spatial axes fold into one
      {"phase: TEST", "", {4, 3, 5, 6}, true},
      {"phase: TRAIN", "eps: 0", {4, 3, 5, 6}, false},  // below what cuDNN takes
      {"phase: TEST", "eps: 0", {4, 3, 5, 6}, false},
      {"phase: TRAIN", "", {1, 3, 1}, false},  // one value per channel: m - 1 = 0
      {"phase: TEST", "", {1, 3, 1}, true},    // the stored statistics need no m
      {"phase: TRAIN", "use_global_stats: true", {1, 3}, true},
      {"phase: TRAIN", "", {0, 3, 4}, false},  // nothing to normalise
  };
  for (const Expect& e : cases) {
    SCOPED_TRACE(e.phase + " " + e.param + " " + ::testing::PrintToString(e.shape));
    auto layer = Make(e.phase, e.param + " engine: CUDNN");
    auto* cudnn = dynamic_cast<CudnnBatchNormLayer*>(layer.get());
    ASSERT_NE(cudnn, nullptr);
    Blob bottom(e.shape), top;
    layer->SetUp({&bottom}, {&top});
    EXPECT_EQ(cudnn->uses_cudnn(bottom), e.cudnn);
  }
  // DEFAULT picks the cuDNN class unless oneDNN's takes the CPU mode; CAFFE our own.
  if (!LayerRegistry::HasEngine("BatchNorm", LayerRegistry::Engine::DNNL)) {
    EXPECT_NE(dynamic_cast<CudnnBatchNormLayer*>(Make("phase: TRAIN").get()), nullptr);
  }
  EXPECT_EQ(dynamic_cast<CudnnBatchNormLayer*>(Make("phase: TRAIN", "engine: CAFFE").get()), nullptr);
}

// What one engine leaves behind: the last top, the bottom diff, the blobs.
struct EngineResult {
  std::vector<float> top, bottom_diff;
  std::vector<std::vector<float>> blobs;
};

// On the GPU: `forwards` forward passes on fresh Gaussian inputs (mean 3,
// std 2, the same for both engines), then one backward from a fixed top diff.
EngineResult RunOnGpu(const std::string& engine, const std::string& phase, const std::string& param,
                      const std::vector<int>& shape, bool in_place, int forwards) {
  test::ScopedGpuMode gpu;
  auto layer = Make(phase + kStoredStats, param + " engine: " + engine);
  Blob bottom(shape), separate_top;
  Blob* top = in_place ? &bottom : &separate_top;
  layer->SetUp({&bottom}, {top});
  if (engine == "CUDNN") EXPECT_TRUE(dynamic_cast<CudnnBatchNormLayer&>(*layer).uses_cudnn(bottom));
  Context::set_random_seed(11);
  for (int i = 0; i < forwards; ++i) {
    FillGaussian(&bottom, 2.f, 3.f);
    layer->Forward({&bottom}, {top});
  }
  EngineResult r;
  r.top = DataOf(*top);
  float* dy = top->mutable_cpu_diff();
  for (int i = 0; i < top->count(); ++i) dy[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  layer->Backward({top}, {true}, {&bottom});
  r.bottom_diff.assign(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count());
  for (const auto& b : layer->blobs()) r.blobs.push_back(DataOf(*b));
  return r;
}

void ExpectCudnnMatchesCaffe(const std::string& phase, const std::string& param, const std::vector<int>& shape,
                             bool in_place) {
  SCOPED_TRACE(phase + " " + param + " " + ::testing::PrintToString(shape) + (in_place ? " in place" : ""));
  // Two passes: the second folds a batch into sums the first left nonzero.
  const EngineResult caffe = RunOnGpu("CAFFE", phase, param, shape, in_place, 2);
  const EngineResult cudnn = RunOnGpu("CUDNN", phase, param, shape, in_place, 2);
  // cuDNN reduces in float and in its own order, the CAFFE engine in double.
  constexpr float kTol = 1e-4f;
  {
    SCOPED_TRACE("top");
    ExpectAllNear(cudnn.top, caffe.top, kTol);
  }
  {
    SCOPED_TRACE("bottom diff");
    ExpectAllNear(cudnn.bottom_diff, caffe.bottom_diff, kTol);
  }
  ASSERT_EQ(cudnn.blobs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("blob " + std::to_string(i));
    ExpectAllNear(cudnn.blobs[i], caffe.blobs[i], kTol);
  }
}

const std::vector<std::vector<int>> kCudnnShapes = {{4, 3, 5, 6}, {7, 3}, {2, 3, 300}, {2, 3, 4, 3, 2}};

TEST(CudnnBatchNormLayerGpu, TrainMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const auto& shape : kCudnnShapes)
    for (bool in_place : {false, true}) ExpectCudnnMatchesCaffe("phase: TRAIN", "moving_average_fraction: 0.9", shape, in_place);
  // Caffe's default fraction and a larger eps.
  ExpectCudnnMatchesCaffe("phase: TRAIN", "eps: 0.01", {4, 3, 5, 6}, false);
}

TEST(CudnnBatchNormLayerGpu, GlobalStatsMatchCaffe) {
  SKIP_WITHOUT_GPU();
  for (const auto& shape : kCudnnShapes)
    for (bool in_place : {false, true}) {
      ExpectCudnnMatchesCaffe("phase: TEST", "", shape, in_place);
      ExpectCudnnMatchesCaffe("phase: TRAIN", "use_global_stats: true", shape, in_place);
    }
}

TEST(CudnnBatchNormLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  CheckTrainGradient(*Make("phase: TRAIN", "engine: CUDNN"), {2, 3, 2, 2});
}

#endif  // CNN_WITH_CUDNN

}  // namespace
}  // namespace cnn
