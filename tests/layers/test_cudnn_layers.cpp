// The cuDNN engine (src/cnn/layers/<family>/cudnn_*_layer): which class the registry builds
// for each engine setting, that a cuDNN layer in CPU mode is exactly our own
// layer (it inherits the CPU code and must not touch cuDNN), and on a GPU
// that engine: CUDNN agrees with engine: CAFFE on the same inputs and passes
// the numerical gradient check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"
#ifdef CNN_WITH_CUDNN
#include "cnn/layers/conv/cudnn_convolution_layer.hpp"
#include "cnn/layers/conv/cudnn_deconvolution_layer.hpp"
#include "cnn/layers/norm/cudnn_batch_norm_layer.hpp"
#include "cnn/layers/norm/cudnn_lrn_layer.hpp"
#include "cnn/layers/pool/cudnn_pooling_layer.hpp"
#include "cnn/layers/neuron/cudnn_relu_layer.hpp"
#include "cnn/layers/neuron/cudnn_sigmoid_layer.hpp"
#include "cnn/layers/math/cudnn_softmax_layer.hpp"
#include "cnn/layers/neuron/cudnn_tanh_layer.hpp"
#endif

namespace cnn {
namespace {

using test::ParseLayer;

using Engine = LayerRegistry::Engine;
constexpr Engine kDefault = Engine::DEFAULT, kCaffe = Engine::CAFFE, kCudnn = Engine::CUDNN;

LayerParameter WithEngine(LayerParameter p, Engine engine) {
  if (!LayerRegistry::SetEngine(&p, engine)) ADD_FAILURE() << "no engine field for type " << p.type();
  return p;
}

const std::vector<std::string> kTypes = {"Convolution", "Deconvolution", "Pooling", "LRN", "Softmax", "ReLU", "Sigmoid", "TanH", "BatchNorm"};

// A minimal valid layer of each type.
LayerParameter Minimal(const std::string& type) {
  std::string extra;
  if (type == "Convolution" || type == "Deconvolution") extra = "convolution_param { num_output: 2 kernel_size: 3 }";
  if (type == "Pooling") extra = "pooling_param { pool: MAX kernel_size: 2 }";
  return ParseLayer("name: 'l' type: '" + type + "' bottom: 'x' top: 'y' " + extra);
}

#ifdef CNN_WITH_CUDNN

// ---- Configurations shared by the CPU and GPU comparisons ----------------

struct Case {
  std::string text;  // the layer, without an engine
  std::vector<std::vector<int>> shapes;
  bool in_place = false;
};

const char* const kConvFillers =
    " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.5 } ";

std::string Conv(const std::string& param, const std::string& tops = "top: 'y'",
                 const std::string& bottoms = "bottom: 'x'") {
  return "name: 'conv' type: 'Convolution' " + bottoms + " " + tops + " convolution_param { " + param + kConvFillers +
         "}";
}

std::vector<Case> ConvolutionCases() {
  return {
      {Conv("num_output: 4 kernel_size: 3 pad: 1"), {{2, 3, 7, 9}}},
      {Conv("num_output: 5 kernel_size: 5"), {{3, 2, 13, 11}}},
      {Conv("num_output: 3 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2"), {{2, 2, 11, 9}}},
      {Conv("num_output: 6 kernel_size: 3 group: 2 pad: 1"), {{2, 4, 9, 7}}},
      {Conv("num_output: 3 kernel_size: 3 group: 3 stride: 2"), {{2, 3, 9, 11}}},  // depthwise
      {Conv("num_output: 4 kernel_size: 3 dilation: 2 pad: 2"), {{2, 2, 9, 8}}},
      {Conv("num_output: 4 kernel_size: 3 dilation: 3 dilation: 2 pad: 1"), {{2, 2, 11, 7}}},
      {Conv("num_output: 4 kernel_size: 3 bias_term: false"), {{2, 3, 6, 5}}},
      {Conv("num_output: 7 kernel_size: 1"), {{3, 5, 6, 7}}},
      {Conv("num_output: 3 kernel_size: 11 stride: 4"), {{2, 3, 31, 27}}},  // AlexNet's conv1, small
      {Conv("num_output: 16 kernel_size: 5 pad: 2"), {{4, 8, 23, 19}}},
      // Two bottoms share the weights: their gradients add up.
      {Conv("num_output: 3 kernel_size: 3", "top: 'y1' top: 'y2'", "bottom: 'x1' bottom: 'x2'"),
       {{2, 2, 7, 6}, {2, 2, 7, 6}}},
      // A leading axis folds into the batch.
      {Conv("num_output: 3 kernel_size: 3 axis: 2"), {{2, 3, 4, 7, 9}}},
  };
}

std::string Deconv(const std::string& param) {
  return "name: 'deconv' type: 'Deconvolution' bottom: 'x' top: 'y' convolution_param { " + param + kConvFillers + "}";
}

std::vector<Case> DeconvolutionCases() {
  return {
      {Deconv("num_output: 4 kernel_size: 3 pad: 1"), {{2, 3, 7, 9}}},
      {Deconv("num_output: 3 kernel_size: 4 stride: 2 pad: 1"), {{2, 2, 5, 6}}},
      {Deconv("num_output: 3 kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 pad_h: 1"), {{2, 2, 4, 5}}},
      {Deconv("num_output: 6 kernel_size: 3 group: 2 stride: 2"), {{2, 4, 5, 4}}},
      {Deconv("num_output: 3 group: 3 kernel_size: 4 stride: 2 pad: 1 bias_term: false"), {{2, 3, 6, 6}}},  // FCN
      {Deconv("num_output: 4 kernel_size: 3 dilation: 2 pad: 1"), {{2, 2, 5, 4}}},
      {Deconv("num_output: 5 kernel_size: 1"), {{3, 4, 6, 7}}},
  };
}

std::string Pool(const std::string& param, int tops = 1) {
  return "name: 'pool' type: 'Pooling' bottom: 'x' top: 'y' " + std::string(tops > 1 ? "top: 'mask' " : "") +
         "pooling_param { " + param + " }";
}

struct PoolCase {
  Case c;
  bool cudnn;  // whether the configuration runs on cuDNN (the rest fall back)
};

std::vector<PoolCase> PoolingCases() {
  return {
      {{Pool("pool: MAX kernel_size: 3 stride: 2"), {{2, 3, 9, 9}}}, true},
      {{Pool("pool: MAX kernel_size: 2 stride: 2"), {{2, 3, 8, 6}}}, true},
      {{Pool("pool: MAX kernel_size: 3 stride: 2 pad: 1"), {{2, 3, 11, 11}}}, true},
      {{Pool("pool: MAX kernel_size: 3 stride: 1 pad: 1"), {{2, 3, 7, 9}}}, true},
      {{Pool("pool: MAX kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 1"), {{2, 2, 9, 8}}}, true},
      // Different paddings per axis: cuDNN takes (vertical, horizontal) in that order.
      {{Pool("pool: MAX kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 0 pad_w: 1"), {{2, 2, 9, 8}}}, true},
      {{Pool("pool: AVE kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0"), {{2, 2, 9, 8}}}, true},
      {{Pool("pool: AVE kernel_size: 3 stride: 2"), {{2, 3, 9, 9}}}, true},
      {{Pool("pool: AVE kernel_size: 3 stride: 2 pad: 1"), {{2, 3, 11, 11}}}, true},
      {{Pool("pool: AVE kernel_size: 3 stride: 1 pad: 1"), {{2, 3, 7, 9}}}, true},
      {{Pool("pool: AVE global_pooling: true"), {{2, 5, 7, 6}}}, true},
      {{Pool("pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR"), {{2, 3, 10, 10}}}, true},
      // Ceil mode adds a window past the padded edge: our own GPU path.
      {{Pool("pool: MAX kernel_size: 3 stride: 2"), {{2, 3, 10, 10}}}, false},
      {{Pool("pool: AVE kernel_size: 3 stride: 2 pad: 1"), {{2, 3, 10, 10}}}, false},
      {{Pool("pool: AVE kernel_size: 2 stride: 2"), {{2, 3, 7, 9}}}, false},
      // The argmax top has no cuDNN equivalent.
      {{Pool("pool: MAX kernel_size: 3 stride: 2", 2), {{2, 3, 9, 9}}}, false},
  };
}

std::string Lrn(const std::string& param) {
  return "name: 'norm' type: 'LRN' bottom: 'x' top: 'y' lrn_param { " + param + " }";
}

struct LrnCase {
  Case c;
  bool cudnn;
};

std::vector<LrnCase> LrnCases() {
  return {
      {{Lrn("local_size: 5 alpha: 1.0 beta: 0.75 k: 2"), {{2, 7, 5, 6}}}, true},
      {{Lrn("local_size: 3 alpha: 2.0 beta: 0.5 k: 1"), {{2, 4, 3, 5}}}, true},
      {{Lrn("local_size: 1 alpha: 0.5 beta: 1.5 k: 1.5"), {{1, 3, 4, 4}}}, true},
      {{Lrn("local_size: 9 alpha: 1.0 beta: 0.75 k: 1"), {{2, 5, 3, 3}}}, true},  // window wider than the channels
      // Outside cuDNN's reach: our own GPU path.
      {{Lrn("local_size: 17 alpha: 1.0 beta: 0.75 k: 2"), {{1, 20, 3, 3}}}, false},
      {{Lrn("local_size: 3 alpha: 1.0 beta: 0.75 k: 2 norm_region: WITHIN_CHANNEL"), {{2, 3, 5, 6}}}, false},
      {{Lrn("local_size: 5 alpha: 1.0 beta: 0.75 k: 2"), {{2, 7, 5, 6}}, true}, false},  // in place
  };
}

std::vector<Case> SoftmaxCases() {
  const std::string s = "name: 'prob' type: 'Softmax' bottom: 'x' top: 'y' ";
  return {
      {s, {{2, 5, 3, 4}}},
      {s, {{7, 10}}},
      {s + "softmax_param { axis: -1 }", {{3, 4, 7}}},
      {s + "softmax_param { axis: 0 }", {{4, 3, 2}}},
      {s, {{2, 5, 3, 4}}, true},  // in place: our own GPU path
  };
}

std::vector<Case> ActivationCases() {
  std::vector<Case> cases;
  for (const std::string type : {"ReLU", "Sigmoid", "TanH"}) {
    const std::string s = "name: 'act' type: '" + type + "' bottom: 'x' top: 'y' ";
    cases.push_back({s, {{2, 3, 5, 7}}});
    cases.push_back({s, {{2, 3, 5, 7}}, true});
    cases.push_back({s, {{37}}});
    cases.push_back({s, {{2, 3, 2, 3, 5}}});
  }
  const std::string leaky = "name: 'act' type: 'ReLU' bottom: 'x' top: 'y' relu_param { negative_slope: 0.1 } ";
  cases.push_back({leaky, {{2, 3, 5, 7}}});
  cases.push_back({leaky, {{2, 3, 5, 7}}, true});
  return cases;
}

// BatchNorm's own GPU comparison (the three blobs included) is in
// tests/layers/norm/test_batch_norm_layer.cpp; here only CPU mode.
std::vector<Case> BatchNormCases() {
  const std::string s = "name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y' ";
  return {
      {s + "phase: TRAIN", {{2, 3, 4, 5}}},
      {s + "phase: TRAIN", {{2, 3, 4, 5}}, true},
      {s + "phase: TEST", {{2, 3, 4, 5}}},
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> all = ConvolutionCases();
  for (const auto& d : DeconvolutionCases()) all.push_back(d);
  for (const auto& p : PoolingCases()) all.push_back(p.c);
  for (const auto& l : LrnCases()) all.push_back(l.c);
  for (const auto& s : SoftmaxCases()) all.push_back(s);
  for (const auto& a : ActivationCases()) all.push_back(a);
  for (const auto& b : BatchNormCases()) all.push_back(b);
  return all;
}

// ---- One layer with its blobs, run forward and backward ------------------

struct Side {
  std::unique_ptr<Layer> layer;
  std::vector<std::unique_ptr<Blob>> store;
  BlobVec bottom, top;
};

constexpr uint64_t kSeed = 1701;

// Gaussian inputs, the same on both sides (ties in a MAX window, which the
// two engines could break differently, have probability zero).
void FillInputs(const BlobVec& bottom, uint64_t seed) {
  std::mt19937 gen(static_cast<unsigned>(seed));
  std::normal_distribution<float> noise(0.f, 1.f);
  for (Blob* b : bottom) {
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = noise(gen);
  }
}

Side Build(const Case& c, Engine engine) {
  Side s;
  Context::set_random_seed(kSeed);
  s.layer = LayerRegistry::Create(WithEngine(ParseLayer(c.text), engine));
  for (const auto& shape : c.shapes) {
    s.store.push_back(std::make_unique<Blob>(shape));
    s.bottom.push_back(s.store.back().get());
  }
  const int tops = s.layer->layer_param().top_size();
  for (int i = 0; i < tops; ++i) {
    if (c.in_place && i == 0) {
      s.top.push_back(s.bottom[0]);
      continue;
    }
    s.store.push_back(std::make_unique<Blob>());
    s.top.push_back(s.store.back().get());
  }
  FillInputs(s.bottom, kSeed + 1);
  // The same seed on both sides: fillers draw the same weights.
  Context::set_random_seed(kSeed);
  s.layer->SetUp(s.bottom, s.top);
  for (size_t i = 0; i < s.layer->blobs().size(); ++i) s.layer->set_param_propagate_down(static_cast<int>(i), true);
  return s;
}

// Forward, then backward from fixed pseudo-random top diffs. Parameter diffs
// start from a nonzero pattern (they must be accumulated into) and bottom
// diffs from garbage (they must be overwritten).
void RunPasses(Side& s, uint64_t seed) {
  s.layer->Forward(s.bottom, s.top);
  for (auto& p : s.layer->blobs()) {
    float* d = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) d[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
  }
  for (Blob* b : s.bottom) {
    if (b == s.top[0]) continue;  // in place: the bottom diff is the top diff
    std::fill_n(b->mutable_cpu_diff(), b->count(), 3.f);
  }
  std::mt19937 gen(static_cast<unsigned>(seed));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (Blob* t : s.top) {
    float* d = t->mutable_cpu_diff();
    for (int i = 0; i < t->count(); ++i) d[i] = dist(gen);
  }
  s.layer->Backward(s.top, std::vector<bool>(s.bottom.size(), true), s.bottom);
}

// |b - a| <= tolerance * max(1, |a|) element for element (tolerance 0: equal bits).
void ExpectBlobsNear(const Blob& a, const Blob& b, bool diff, float tolerance, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  const float* x = diff ? a.cpu_diff() : a.cpu_data();
  const float* y = diff ? b.cpu_diff() : b.cpu_data();
  int failures = 0;
  for (int i = 0; i < a.count() && failures < 10; ++i) {
    const bool ok = tolerance == 0.f ? std::memcmp(&x[i], &y[i], sizeof(float)) == 0
                                     : std::fabs(x[i] - y[i]) <= tolerance * std::max(1.f, std::fabs(x[i]));
    if (!ok) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": CAFFE " << x[i] << " vs CUDNN " << y[i];
    }
  }
}

void ExpectSidesMatch(const Side& caffe, const Side& cudnn, float tolerance) {
  for (size_t t = 0; t < caffe.top.size(); ++t)
    ExpectBlobsNear(*caffe.top[t], *cudnn.top[t], false, tolerance, "top " + std::to_string(t));
  for (size_t b = 0; b < caffe.bottom.size(); ++b)
    ExpectBlobsNear(*caffe.bottom[b], *cudnn.bottom[b], true, tolerance, "bottom " + std::to_string(b) + " diff");
  ASSERT_EQ(caffe.layer->blobs().size(), cudnn.layer->blobs().size());
  for (size_t p = 0; p < caffe.layer->blobs().size(); ++p)
    ExpectBlobsNear(*caffe.layer->blobs()[p], *cudnn.layer->blobs()[p], true, tolerance,
                    "param " + std::to_string(p) + " diff");
}

// ---- Registry and CPU mode -----------------------------------------------

template <typename Cudnn>
bool IsA(const Layer& layer) {
  return dynamic_cast<const Cudnn*>(&layer) != nullptr;
}

bool IsCudnnClass(const Layer& l) {
  return IsA<CudnnConvolutionLayer>(l) || IsA<CudnnDeconvolutionLayer>(l) || IsA<CudnnPoolingLayer>(l) || IsA<CudnnLRNLayer>(l) ||
         IsA<CudnnSoftmaxLayer>(l) || IsA<CudnnReLULayer>(l) || IsA<CudnnSigmoidLayer>(l) || IsA<CudnnTanHLayer>(l) ||
         IsA<CudnnBatchNormLayer>(l);
}

// DEFAULT follows the mode at construction: cuDNN's class in GPU mode (in
// CPU mode oneDNN's, where the build has one for the type). Building a layer
// touches no device, so GPU mode needs none here.
std::unique_ptr<Layer> CreateInGpuMode(const LayerParameter& p) {
  const Mode previous = Context::mode();
  Context::set_mode(Mode::GPU);
  auto layer = LayerRegistry::Create(p);
  Context::set_mode(previous);
  return layer;
}

TEST(CudnnEngine, DefaultAndCudnnPickTheCudnnClass) {
  for (const std::string& type : kTypes) {
    SCOPED_TRACE(type);
    for (Engine engine : {kDefault, kCudnn}) {
      auto layer = CreateInGpuMode(WithEngine(Minimal(type), engine));
      EXPECT_TRUE(IsCudnnClass(*layer)) << "engine " << static_cast<int>(engine);
      EXPECT_EQ(std::string(layer->type()), type);
    }
    auto own = LayerRegistry::Create(WithEngine(Minimal(type), kCaffe));
    EXPECT_FALSE(IsCudnnClass(*own));
    EXPECT_EQ(std::string(own->type()), type);
  }
  // Each type gets its own class, not merely some cuDNN class.
  EXPECT_TRUE(IsA<CudnnConvolutionLayer>(*CreateInGpuMode(Minimal("Convolution"))));
  EXPECT_TRUE(IsA<CudnnDeconvolutionLayer>(*CreateInGpuMode(Minimal("Deconvolution"))));
  EXPECT_TRUE(IsA<CudnnPoolingLayer>(*CreateInGpuMode(Minimal("Pooling"))));
  EXPECT_TRUE(IsA<CudnnLRNLayer>(*CreateInGpuMode(Minimal("LRN"))));
  EXPECT_TRUE(IsA<CudnnSoftmaxLayer>(*CreateInGpuMode(Minimal("Softmax"))));
  EXPECT_TRUE(IsA<CudnnReLULayer>(*CreateInGpuMode(Minimal("ReLU"))));
  EXPECT_TRUE(IsA<CudnnSigmoidLayer>(*CreateInGpuMode(Minimal("Sigmoid"))));
  EXPECT_TRUE(IsA<CudnnTanHLayer>(*CreateInGpuMode(Minimal("TanH"))));
  EXPECT_TRUE(IsA<CudnnBatchNormLayer>(*CreateInGpuMode(Minimal("BatchNorm"))));
}

// Runs without a GPU: a cuDNN layer in CPU mode must be our own layer bit for
// bit, and must get through set-up, forward, backward and destruction without
// calling cuDNN (which would fail on a machine without a device).
TEST(CudnnEngine, CpuModeIsExactlyTheCaffeLayer) {
  ASSERT_EQ(Context::mode(), Mode::CPU);
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(c.text + (c.in_place ? " (in place)" : ""));
    Side caffe = Build(c, kCaffe);
    Side cudnn = Build(c, kCudnn);
    ASSERT_FALSE(IsCudnnClass(*caffe.layer));
    ASSERT_TRUE(IsCudnnClass(*cudnn.layer));
    RunPasses(caffe, kSeed + 3);
    RunPasses(cudnn, kSeed + 3);
    ExpectSidesMatch(caffe, cudnn, 0.f);
  }
}

// Which pooling configurations run on cuDNN is decided from the shapes alone,
// so it is checked here, without a GPU.
TEST(CudnnEngine, PoolingUsesCudnnExactlyWhereItMatchesTheCpu) {
  for (const PoolCase& p : PoolingCases()) {
    SCOPED_TRACE(p.c.text);
    Side s = Build(p.c, kCudnn);
    auto* pool = dynamic_cast<CudnnPoolingLayer*>(s.layer.get());
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->uses_cudnn(s.top), p.cudnn);
  }
}

// ---- On a GPU: CUDNN against CAFFE ---------------------------------------

// Builds the layer with engine: CAFFE and with engine: CUDNN, runs both on
// the GPU on identical inputs and top diffs, and compares tops, bottom diffs
// and parameter diffs.
void ExpectCudnnMatchesCaffe(const Case& c, float tolerance) {
  SCOPED_TRACE(c.text + (c.in_place ? " (in place)" : ""));
  test::ScopedGpuMode gpu;
  Side caffe = Build(c, kCaffe);
  Side cudnn = Build(c, kCudnn);
  RunPasses(caffe, kSeed + 3);
  RunPasses(cudnn, kSeed + 3);
  ExpectSidesMatch(caffe, cudnn, tolerance);
}

// Convolution sums kernel_h * kernel_w * channels products per output and
// batch * height * width per weight gradient; cuDNN's algorithms (Winograd,
// FFT, split reductions) round differently from our im2col + gemm, by a few
// 1e-5 of the magnitudes involved. 1e-3 relative leaves room for that and
// still catches any indexing or accumulation mistake.
constexpr float kConvTolerance = 1e-3f;
// The other layers compute the same formulas in a different order (and
// cuDNN's exp/tanh may differ by an ulp or two).
constexpr float kTolerance = 1e-4f;

TEST(CudnnGpu, ConvolutionMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : ConvolutionCases()) ExpectCudnnMatchesCaffe(c, kConvTolerance);
}

// Descriptors and algorithms follow the input when its shape changes between
// passes (a test net's batch, a reshaped input).
TEST(CudnnGpu, ConvolutionFollowsShapeChanges) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const Case c{Conv("num_output: 4 kernel_size: 3 pad: 1 stride: 2"), {{2, 3, 9, 7}}};
  Side caffe = Build(c, kCaffe);
  Side cudnn = Build(c, kCudnn);
  const std::vector<std::vector<int>> shapes = {{2, 3, 9, 7}, {5, 3, 13, 10}, {1, 3, 6, 6}, {2, 3, 9, 7}};
  for (size_t k = 0; k < shapes.size(); ++k) {
    SCOPED_TRACE("input " + std::to_string(k));
    for (Side* s : {&caffe, &cudnn}) {
      s->bottom[0]->Reshape(shapes[k]);
      FillInputs(s->bottom, kSeed + 10 + k);
      s->layer->Reshape(s->bottom, s->top);
      RunPasses(*s, kSeed + 20 + k);
    }
    ExpectSidesMatch(caffe, cudnn, kConvTolerance);
  }
}

TEST(CudnnGpu, DeconvolutionMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : DeconvolutionCases()) ExpectCudnnMatchesCaffe(c, kConvTolerance);
}

TEST(CudnnGpu, PoolingMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const PoolCase& p : PoolingCases()) ExpectCudnnMatchesCaffe(p.c, kTolerance);
}

TEST(CudnnGpu, LRNMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const LrnCase& l : LrnCases()) ExpectCudnnMatchesCaffe(l.c, kTolerance);
}

TEST(CudnnGpu, SoftmaxMatchesCaffe) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : SoftmaxCases()) ExpectCudnnMatchesCaffe(c, kTolerance);
}

TEST(CudnnGpu, ActivationsMatchCaffe) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : ActivationCases()) ExpectCudnnMatchesCaffe(c, kTolerance);
}

// Back-to-back passes give identical results: nothing is left behind between
// passes, and MAX pooling's backward is the deterministic one.
TEST(CudnnGpu, RepeatedPassesRepeat) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  for (const Case& c : {Case{Pool("pool: MAX kernel_size: 3 stride: 2"), {{2, 3, 9, 9}}},
                        Case{Lrn("local_size: 5 alpha: 1.0 beta: 0.75 k: 2"), {{2, 7, 5, 6}}},
                        Case{"name: 'prob' type: 'Softmax' bottom: 'x' top: 'y'", {{2, 5, 3, 4}}}}) {
    SCOPED_TRACE(c.text);
    Side first = Build(c, kCudnn);
    Side second = Build(c, kCudnn);
    RunPasses(first, kSeed + 3);
    RunPasses(second, kSeed + 3);
    RunPasses(second, kSeed + 3);  // parameterless: a rerun overwrites every output
    ExpectSidesMatch(first, second, 0.f);
  }
}

// ---- On a GPU: numerical gradient checks of the cuDNN layers -------------

void GpuGradientCheck(const std::string& text, const std::vector<int>& shape, test::GradientCheckOptions opt,
                      bool distinct_inputs = false) {
  SCOPED_TRACE(text);
  test::ScopedGpuMode gpu;
  Context::set_random_seed(kSeed);
  auto layer = LayerRegistry::Create(WithEngine(ParseLayer(text), kCudnn));
  ASSERT_TRUE(IsCudnnClass(*layer));
  Blob x(shape), y;
  if (distinct_inputs) {
    // A shuffled ramp 0.1 apart: the step (1e-2) never changes a max.
    std::vector<float> v(x.count());
    std::iota(v.begin(), v.end(), 0.f);
    std::shuffle(v.begin(), v.end(), std::mt19937(7));
    for (float& f : v) f = f * 0.1f - 0.05f * static_cast<float>(v.size());
    test::FillValues(&x, v);
  } else {
    test::FillGaussian(&x);
  }
  test::CheckGradient(*layer, {&x}, {&y}, opt);
}

TEST(CudnnGpu, ConvolutionGradient) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions opt;
  GpuGradientCheck(Conv("num_output: 3 kernel_size: 3 pad: 1 stride: 2"), {2, 2, 6, 5}, opt);
  GpuGradientCheck(Conv("num_output: 4 kernel_size: 3 group: 2 dilation: 2 pad: 1"), {2, 4, 7, 6}, opt);
}

TEST(CudnnGpu, DeconvolutionGradient) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions opt;
  GpuGradientCheck(Deconv("num_output: 3 kernel_size: 3 pad: 1 stride: 2"), {2, 2, 3, 4}, opt);
  GpuGradientCheck(Deconv("num_output: 4 kernel_size: 3 group: 2 dilation: 2 pad: 1"), {2, 4, 3, 3}, opt);
}

TEST(CudnnGpu, PoolingGradient) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions opt;
  GpuGradientCheck(Pool("pool: MAX kernel_size: 3 stride: 2 pad: 1"), {2, 2, 7, 7}, opt, true);
  GpuGradientCheck(Pool("pool: AVE kernel_size: 3 stride: 2 pad: 1"), {2, 2, 7, 7}, opt);
}

TEST(CudnnGpu, LRNGradient) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions opt;
  GpuGradientCheck(Lrn("local_size: 5 alpha: 1.0 beta: 0.75 k: 2"), {2, 7, 3, 3}, opt);
}

TEST(CudnnGpu, SoftmaxGradient) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions opt;
  GpuGradientCheck("name: 'prob' type: 'Softmax' bottom: 'x' top: 'y'", {2, 5, 3, 2}, opt);
}

TEST(CudnnGpu, ActivationGradients) {
  SKIP_WITHOUT_GPU();
  test::GradientCheckOptions relu;
  relu.kink = 0.f;
  relu.kink_range = 0.02f;  // wider than the step: no difference straddles the kink
  GpuGradientCheck("name: 'a' type: 'ReLU' bottom: 'x' top: 'y'", {2, 3, 4, 5}, relu);
  test::GradientCheckOptions smooth;
  GpuGradientCheck("name: 'a' type: 'Sigmoid' bottom: 'x' top: 'y'", {2, 3, 4, 5}, smooth);
  GpuGradientCheck("name: 'a' type: 'TanH' bottom: 'x' top: 'y'", {2, 3, 4, 5}, smooth);
}

#else  // !CNN_WITH_CUDNN

TEST(CudnnEngine, CudnnRequestedWithoutCudnnIsAClearError) {
  for (const std::string& type : kTypes) {
    SCOPED_TRACE(type);
    const std::string message = test::ErrorOf([&] { LayerRegistry::Create(WithEngine(Minimal(type), kCudnn)); });
    EXPECT_NE(message.find("engine: CUDNN"), std::string::npos) << message;
    EXPECT_NE(message.find("'l'"), std::string::npos) << message;
    EXPECT_NE(message.find("engine: CAFFE"), std::string::npos) << message;
    // DEFAULT and CAFFE still build our own layer.
    EXPECT_NO_THROW(LayerRegistry::Create(WithEngine(Minimal(type), kDefault)));
    EXPECT_NO_THROW(LayerRegistry::Create(WithEngine(Minimal(type), kCaffe)));
  }
}

#endif  // CNN_WITH_CUDNN

}  // namespace
}  // namespace cnn
