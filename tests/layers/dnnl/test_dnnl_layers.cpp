// The oneDNN engine (src/cnn/layers/dnnl/): which class the registry builds
// for each engine setting and for the --engine override, where each layer
// falls back to our kernels, known answers, and DNNL against CAFFE on the
// same inputs for geometries beyond the conformance table (several bottoms
// sharing weights, gradients accumulated over calls, shape changes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_convolution_layer.hpp"
#include "cnn/layers/dnnl/dnnl_deconvolution_layer.hpp"
#include "cnn/layers/dnnl/dnnl_inner_product_layer.hpp"
#include "cnn/layers/dnnl/dnnl_pooling_layer.hpp"
#include "cnn/layers/dnnl/dnnl_relu_layer.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using Engine = LayerRegistry::Engine;
using test::ParseLayer;

LayerParameter LayerOf(const std::string& type, const std::string& params) {
  return ParseLayer("name: 'l' type: '" + type + "' bottom: 'x' top: 'y' " + params);
}

LayerParameter WithEngine(LayerParameter p, Engine e) {
  EXPECT_TRUE(LayerRegistry::SetEngine(&p, e)) << p.type();
  return p;
}

template <typename T>
bool IsA(const cnn::Layer& l) {
  return dynamic_cast<const T*>(&l) != nullptr;
}

// Restores the registry's override whatever a test does.
struct ScopedOverride {
  explicit ScopedOverride(Engine e) { LayerRegistry::OverrideEngine(e); }
  ~ScopedOverride() { LayerRegistry::ClearEngineOverride(); }
};

const char* kConv = "convolution_param { num_output: 2 kernel_size: 3 }";
const char* kPool = "pooling_param { pool: MAX kernel_size: 2 stride: 2 }";
const char* kIp = "inner_product_param { num_output: 3 }";

// ---- Registry ------------------------------------------------------------

TEST(DnnlEngine, DefaultOnTheCpuIsDnnlWhereTheTypeHasIt) {
  ASSERT_EQ(Context::mode(), Mode::CPU);
  EXPECT_TRUE(IsA<DnnlConvolutionLayer>(*LayerRegistry::Create(LayerOf("Convolution", kConv))));
  EXPECT_TRUE(IsA<DnnlPoolingLayer>(*LayerRegistry::Create(LayerOf("Pooling", kPool))));
  EXPECT_TRUE(IsA<DnnlInnerProductLayer>(*LayerRegistry::Create(LayerOf("InnerProduct", kIp))));
  EXPECT_TRUE(IsA<DnnlReLULayer>(*LayerRegistry::Create(LayerOf("ReLU", ""))));
  // CAFFE forces our own class; DNNL asks for oneDNN's.
  EXPECT_FALSE(IsA<DnnlConvolutionLayer>(*LayerRegistry::Create(WithEngine(LayerOf("Convolution", kConv), Engine::CAFFE))));
  EXPECT_FALSE(IsA<DnnlInnerProductLayer>(*LayerRegistry::Create(WithEngine(LayerOf("InnerProduct", kIp), Engine::CAFFE))));
  EXPECT_TRUE(IsA<DnnlPoolingLayer>(*LayerRegistry::Create(WithEngine(LayerOf("Pooling", kPool), Engine::DNNL))));
  // Deconvolution shares convolution_param and its DNNL value.
  EXPECT_TRUE(IsA<DnnlDeconvolutionLayer>(*LayerRegistry::Create(LayerOf("Deconvolution", kConv))));
  EXPECT_FALSE(IsA<DnnlConvolutionLayer>(*LayerRegistry::Create(LayerOf("Deconvolution", kConv))));
}

TEST(DnnlEngine, EnginesListsDnnlAfterCaffe) {
  for (const char* type : {"Convolution", "Deconvolution", "Pooling", "InnerProduct", "ReLU", "ELU", "Sigmoid",
                           "TanH", "Softmax", "LRN", "Concat", "Eltwise"}) {
    const std::vector<Engine> engines = LayerRegistry::Engines(type);
    ASSERT_GE(engines.size(), 2u) << type;
    EXPECT_EQ(engines[0], Engine::CAFFE) << type;
    EXPECT_EQ(engines[1], Engine::DNNL) << type;
  }
  const std::vector<Engine> dropout = LayerRegistry::Engines("Dropout");
  EXPECT_EQ(std::count(dropout.begin(), dropout.end(), Engine::DNNL), 0);
}

// Every type whose engine enum has DNNL has a oneDNN layer in this build
// (the error for one without is the registry's, as for CUDNN).
TEST(DnnlEngine, EnginesWithoutTheValueCannotBeSet) {
  // InnerProduct's own enum has no CUDNN value to set.
  LayerParameter ip = LayerOf("InnerProduct", kIp);
  EXPECT_FALSE(LayerRegistry::SetEngine(&ip, Engine::CUDNN));
  EXPECT_EQ(LayerRegistry::RequestedEngine(ip), Engine::DEFAULT);
}

TEST(DnnlEngine, NamesParseBack) {
  for (Engine e : {Engine::DEFAULT, Engine::CAFFE, Engine::CUDNN, Engine::DNNL}) {
    Engine parsed = Engine::DEFAULT;
    ASSERT_TRUE(LayerRegistry::ParseEngine(LayerRegistry::EngineName(e), &parsed));
    EXPECT_EQ(parsed, e);
  }
  Engine unused;
  EXPECT_FALSE(LayerRegistry::ParseEngine("MKL", &unused));
}

// The tools' --engine flag.
TEST(DnnlEngine, OverrideReplacesEveryRequest) {
  {
    ScopedOverride caffe(Engine::CAFFE);
    EXPECT_FALSE(IsA<DnnlConvolutionLayer>(*LayerRegistry::Create(LayerOf("Convolution", kConv))));
    EXPECT_FALSE(IsA<DnnlPoolingLayer>(*LayerRegistry::Create(WithEngine(LayerOf("Pooling", kPool), Engine::DNNL))));
    EXPECT_EQ(LayerRegistry::ChosenEngine(LayerOf("ReLU", "")), Engine::CAFFE);
  }
  {
    ScopedOverride dnnl(Engine::DNNL);
    EXPECT_TRUE(IsA<DnnlInnerProductLayer>(
        *LayerRegistry::Create(WithEngine(LayerOf("InnerProduct", kIp), Engine::CAFFE))));
    // Types without a oneDNN layer keep their own request instead of failing.
    EXPECT_NE(LayerRegistry::ChosenEngine(LayerOf("Dropout", "")), Engine::DNNL);
    EXPECT_EQ(LayerRegistry::ChosenEngine(WithEngine(LayerOf("LRN", ""), Engine::CAFFE)), Engine::DNNL);
  }
  {
    ScopedOverride by_default(Engine::DEFAULT);
    EXPECT_TRUE(IsA<DnnlConvolutionLayer>(
        *LayerRegistry::Create(WithEngine(LayerOf("Convolution", kConv), Engine::CAFFE))));
  }
  EXPECT_FALSE(IsA<DnnlConvolutionLayer>(*LayerRegistry::Create(WithEngine(LayerOf("Convolution", kConv), Engine::CAFFE))));
}

// ---- Where oneDNN runs -----------------------------------------------------

struct Built {
  std::unique_ptr<cnn::Layer> layer;
  std::vector<std::unique_ptr<Blob>> blobs;
  BlobVec bottom, top;
};

// tops < 0: as many as the parameter names.
Built Build(const LayerParameter& p, const std::vector<std::vector<int>>& bottoms, int tops = -1) {
  if (tops < 0) tops = p.top_size();
  Built b;
  Context::set_random_seed(1701);
  b.layer = LayerRegistry::Create(p);
  for (const auto& s : bottoms) {
    b.blobs.push_back(std::make_unique<Blob>(s));
    test::FillGaussian(b.blobs.back().get());
    b.bottom.push_back(b.blobs.back().get());
  }
  for (int t = 0; t < tops; ++t) {
    b.blobs.push_back(std::make_unique<Blob>());
    b.top.push_back(b.blobs.back().get());
  }
  b.layer->SetUp(b.bottom, b.top);
  return b;
}

template <typename T>
bool UsesDnnl(const std::string& type, const std::string& params, const std::vector<int>& shape, int tops = 1) {
  Built b = Build(WithEngine(LayerOf(type, params), Engine::DNNL), {shape}, tops);
  return dynamic_cast<T&>(*b.layer).uses_dnnl();
}

TEST(DnnlEngine, ConvolutionFallsBackWhereOneDnnDiffers) {
  using L = DnnlConvolutionLayer;
  const std::string w = " weight_filler { type: 'gaussian' } ";
  EXPECT_TRUE(UsesDnnl<L>("Convolution", "convolution_param { num_output: 4 kernel_size: 3 pad: 1 group: 2" + w + "}",
                          {2, 4, 6, 6}));
  EXPECT_TRUE(UsesDnnl<L>("Convolution", "convolution_param { num_output: 2 kernel_size: 3 dilation: 2" + w + "}",
                          {1, 2, 9}));
  EXPECT_TRUE(UsesDnnl<L>("Convolution", "convolution_param { num_output: 2 kernel_size: 2" + w + "}", {1, 2, 3, 3, 3}));
  // Real borders, our N-D lowering on request, four spatial axes.
  EXPECT_FALSE(UsesDnnl<L>("Convolution",
                           "convolution_param { num_output: 2 kernel_size: 3 pad: 1 padding_mode: REFLECT" + w + "}",
                           {1, 2, 5, 5}));
  EXPECT_FALSE(UsesDnnl<L>("Convolution",
                           "convolution_param { num_output: 2 kernel_size: 3 force_nd_im2col: true" + w + "}",
                           {1, 2, 5, 5}));
  EXPECT_FALSE(UsesDnnl<L>("Convolution", "convolution_param { num_output: 2 kernel_size: 1" + w + "}",
                           {1, 2, 2, 2, 2, 2}));
}

// DEFAULT runs depthwise layers on oneDNN, as every other convolution (its
// kernels were 3.2x faster than our direct loops on MobileNet-v1's shapes,
// README "Depthwise convolutions"); engine: CAFFE (in the prototxt or by the
// override) runs our loops.
TEST(DnnlEngine, DefaultRunsDepthwiseOnOneDnn) {
  const std::string params =
      "convolution_param { num_output: 4 group: 4 kernel_size: 3 pad: 1 weight_filler { type: 'gaussian' } }";
  const auto built = [&](Engine engine) {
    Built b = Build(WithEngine(LayerOf("Convolution", params), engine), {{1, 4, 6, 6}});
    auto& l = dynamic_cast<DnnlConvolutionLayer&>(*b.layer);
    return std::make_pair(l.uses_dnnl(), l.uses_depthwise());
  };
  EXPECT_EQ(built(Engine::DEFAULT), std::make_pair(true, true));
  EXPECT_EQ(built(Engine::DNNL), std::make_pair(true, true));
  Built ours = Build(WithEngine(LayerOf("Convolution", params), Engine::CAFFE), {{1, 4, 6, 6}});
  EXPECT_FALSE(IsA<DnnlConvolutionLayer>(*ours.layer));
  EXPECT_TRUE(dynamic_cast<ConvolutionLayer&>(*ours.layer).uses_depthwise());
  EXPECT_TRUE(UsesDnnl<DnnlConvolutionLayer>(  // group 2 of 4 channels: not depthwise, oneDNN
      "Convolution", "convolution_param { num_output: 4 kernel_size: 3 group: 2 weight_filler { type: 'gaussian' } }",
      {1, 4, 6, 6}));
}

// DEFAULT keeps inner products too small to pay oneDNN's fixed cost per
// call on our kernel (LeNet's ip2, 64 x 500 -> 10, ran 4x faster there);
// engine: DNNL, in the prototxt or by the override, runs every size on
// oneDNN, and a large product runs there by default.
TEST(DnnlEngine, DefaultLeavesSmallInnerProductsToOurKernel) {
  const auto uses_dnnl = [](Engine engine, int num_output, int batch, int k) {
    const std::string params = "inner_product_param { num_output: " + std::to_string(num_output) +
                               " weight_filler { type: 'gaussian' } }";
    Built b = Build(WithEngine(LayerOf("InnerProduct", params), engine), {{batch, k}});
    return dynamic_cast<DnnlInnerProductLayer&>(*b.layer).uses_dnnl();
  };
  EXPECT_FALSE(uses_dnnl(Engine::DEFAULT, 10, 64, 500));
  EXPECT_TRUE(uses_dnnl(Engine::DNNL, 10, 64, 500));
  EXPECT_TRUE(uses_dnnl(Engine::DEFAULT, 256, 64, 500));  // 8.2 M multiply-adds
  {
    ScopedOverride forced(Engine::DNNL);
    EXPECT_TRUE(uses_dnnl(Engine::DEFAULT, 10, 64, 500));
  }
  // The rule follows the shape: the same layer on a larger batch moves over.
  const std::string params = "inner_product_param { num_output: 10 weight_filler { type: 'gaussian' } }";
  Built b = Build(LayerOf("InnerProduct", params), {{64, 500}});
  auto& l = dynamic_cast<DnnlInnerProductLayer&>(*b.layer);
  EXPECT_FALSE(l.uses_dnnl());
  b.bottom[0]->Reshape({2048, 500});
  l.Reshape(b.bottom, b.top);
  EXPECT_TRUE(l.uses_dnnl());
}

TEST(DnnlEngine, PoolingFallsBackWhereCaffesWindowsDiffer) {
  using L = DnnlPoolingLayer;
  // MAX stays ours: oneDNN's window maximum starts from -FLT_MAX and skips NaN.
  EXPECT_FALSE(UsesDnnl<L>("Pooling", "pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }", {1, 2, 6, 7}));
  // AVE: padded windows inside the padding (include-padding's divisor) ...
  EXPECT_TRUE(UsesDnnl<L>("Pooling", "pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 }", {1, 2, 5, 5}));
  // ... or no padding, with ceil-mode overhang (exclude-padding's divisor) ...
  EXPECT_TRUE(UsesDnnl<L>("Pooling", "pooling_param { pool: AVE kernel_size: 3 stride: 2 }", {1, 2, 6, 6}));
  EXPECT_TRUE(UsesDnnl<L>("Pooling", "pooling_param { pool: AVE global_pooling: true }", {1, 2, 3, 5}));
  // ... but padding and overhang together have neither divisor.
  EXPECT_FALSE(UsesDnnl<L>("Pooling", "pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 }", {1, 2, 6, 6}));
  EXPECT_FALSE(UsesDnnl<L>("Pooling", "pooling_param { pool: STOCHASTIC kernel_size: 2 stride: 2 }", {1, 2, 4, 4}));
  EXPECT_FALSE(UsesDnnl<L>("Pooling", "pooling_param { pool: MAX kernel_size: 3 pad: 1 padding_mode: REPLICATE }",
                           {1, 2, 4, 4}));
}

TEST(DnnlEngine, ReLUAnySlope) {
  for (const char* slope : {"0", "0.25", "-0.5"}) {
    SCOPED_TRACE(slope);
    Built caffe = Build(WithEngine(LayerOf("ReLU", std::string("relu_param { negative_slope: ") + slope + " }"),
                                   Engine::CAFFE),
                        {{3, 4, 5}});
    Built dnnl = Build(WithEngine(LayerOf("ReLU", std::string("relu_param { negative_slope: ") + slope + " }"),
                                  Engine::DNNL),
                       {{3, 4, 5}});
    ASSERT_NE(dynamic_cast<DnnlReLULayer*>(dnnl.layer.get()), nullptr);
    // The backward reads the bottom's data, not the top's (which a later in-place layer may change).
    caffe.layer->Forward(caffe.bottom, caffe.top);
    dnnl.layer->Forward(dnnl.bottom, dnnl.top);
    EXPECT_EQ(test::DataOf(*caffe.top[0]), test::DataOf(*dnnl.top[0]));
    for (Built* b : {&caffe, &dnnl}) {
      float* y = b->top[0]->mutable_cpu_data();
      float* dy = b->top[0]->mutable_cpu_diff();
      for (int i = 0; i < b->top[0]->count(); ++i) {
        y[i] = 0.f;
        dy[i] = static_cast<float>(i % 7) - 3.f;
      }
      b->layer->Backward(b->top, {true}, b->bottom);
    }
    EXPECT_EQ(test::DiffOf(*caffe.bottom[0]), test::DiffOf(*dnnl.bottom[0]));
  }
}

// NaN, signed zeros, infinities and huge values come out bit for bit as from
// our kernel: oneDNN's own ReLU turns a NaN input into 0 and passes its
// gradient, which would hide a diverged layer behind finite losses.
TEST(DnnlEngine, ReLUSpecialValuesAsOurs) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {-0.f, 0.f, -1.f, 1.f, nan, -nan, -1e30f, 1e30f, inf, -inf, 2.5f, -2.5f,
                                nan, 3.f, -3.f, 0.5f, -0.5f, nan, 1e-40f, -1e-40f};
  auto bits = [](const std::vector<float>& v) {
    std::vector<uint32_t> b(v.size());
    std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
    return b;
  };
  for (const char* slope : {"0", "0.25", "-0.5"}) {
    for (bool in_place : {false, true}) {
      SCOPED_TRACE(std::string(slope) + (in_place ? " in place" : ""));
      std::vector<std::vector<float>> data, diff;
      for (Engine e : {Engine::CAFFE, Engine::DNNL}) {
        LayerParameter p = WithEngine(LayerOf("ReLU", std::string("relu_param { negative_slope: ") + slope + " }"), e);
        auto layer = LayerRegistry::Create(p);
        Blob bottom({static_cast<int>(x.size())}), top;
        test::FillValues(&bottom, x);
        Blob* t = in_place ? &bottom : &top;
        layer->SetUp({&bottom}, {t});
        layer->Forward({&bottom}, {t});
        data.push_back(test::DataOf(*t));
        float* dy = t->mutable_cpu_diff();
        for (int i = 0; i < t->count(); ++i) dy[i] = static_cast<float>(i % 5) - 2.f;
        layer->Backward({t}, {true}, {&bottom});
        diff.push_back(test::DiffOf(bottom));
      }
      EXPECT_EQ(bits(data[0]), bits(data[1]));
      EXPECT_EQ(bits(diff[0]), bits(diff[1]));
    }
  }
}

// ---- Known answers -------------------------------------------------------

TEST(DnnlEngine, ConvolutionKnownAnswer) {
  // 1..9 in a 3x3 image, a 2x2 kernel of ones, bias 0.5: each output is its
  // window's sum plus 0.5, exactly representable.
  LayerParameter p = LayerOf("Convolution",
                           "convolution_param { num_output: 1 kernel_size: 2 engine: DNNL "
                           "weight_filler { type: 'constant' value: 1 } bias_filler { type: 'constant' value: 0.5 } }");
  Blob x(1, 1, 3, 3), y;
  test::FillValues(&x, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto layer = LayerRegistry::Create(p);
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
  // dL/dy = 1 everywhere: dx counts the windows over each pixel, dw sums
  // each tap's pixels, db counts the outputs.
  float* dy = y.mutable_cpu_diff();
  for (int i = 0; i < 4; ++i) dy[i] = 1.f;
  layer->Backward({&y}, {true}, {&x});
  EXPECT_EQ(test::DiffOf(x), (std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
  EXPECT_EQ(test::DiffOf(*layer->blobs()[0]), (std::vector<float>{12, 16, 24, 28}));
  EXPECT_EQ(test::DiffOf(*layer->blobs()[1]), (std::vector<float>{4}));
}

TEST(DnnlEngine, PoolingKnownAnswerInCeilMode) {
  // 3x3 windows, stride 2 over 4 columns: ceil mode adds a window over
  // columns 2..3 only (Caffe's rule), which AVE without pad divides by 6.
  Blob x(1, 1, 3, 4), y;
  test::FillValues(&x, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  for (const char* pool : {"AVE"}) {
    SCOPED_TRACE(pool);
    auto layer = LayerRegistry::Create(
        LayerOf("Pooling", std::string("pooling_param { engine: DNNL kernel_size: 3 stride: 2 pool: ") + pool + " }"));
    layer->SetUp({&x}, {&y});
    ASSERT_TRUE(dynamic_cast<DnnlPoolingLayer&>(*layer).uses_dnnl());
    ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 1, 2}));
    layer->Forward({&x}, {&y});
    EXPECT_EQ(test::DataOf(y), (std::vector<float>{54.f / 9, 45.f / 6}));
  }
}

// ---- DNNL against CAFFE ----------------------------------------------------

// Runs forward and backward twice (parameter diffs add up over calls) on the
// same data with both engines; returns tops, bottom diffs and parameter diffs.
std::vector<std::vector<float>> Passes(Built& b) {
  std::vector<std::vector<float>> out;
  for (int pass = 0; pass < 2; ++pass) {
    b.layer->Forward(b.bottom, b.top);
    for (Blob* t : b.top) {
      float* d = t->mutable_cpu_diff();
      for (int i = 0; i < t->count(); ++i) d[i] = 0.01f * static_cast<float>(i % 13) - 0.05f;
    }
    b.layer->Backward(b.top, std::vector<bool>(b.bottom.size(), true), b.bottom);
  }
  for (Blob* t : b.top) out.push_back(test::DataOf(*t));
  for (Blob* x : b.bottom) out.push_back(test::DiffOf(*x));
  for (const auto& p : b.layer->blobs()) out.push_back(test::DiffOf(*p));
  return out;
}

void ExpectEnginesAgree(const LayerParameter& p, const std::vector<std::vector<int>>& shapes, float tolerance) {
  Built caffe = Build(WithEngine(p, Engine::CAFFE), shapes);
  Built dnnl = Build(WithEngine(p, Engine::DNNL), shapes);
  const auto a = Passes(caffe), b = Passes(dnnl);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) test::ExpectClose(a[i], b[i], tolerance, "result " + std::to_string(i));
}

std::string ConvLayer(const std::string& geometry) {
  return "name: 'c' type: 'Convolution' bottom: 'a' bottom: 'b' top: 'p' top: 'q' convolution_param { " + geometry +
         " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } }";
}

// Two bottoms share the weights: their weight gradients add up.
TEST(DnnlEngine, ConvolutionMatchesCaffe) {
  const std::vector<std::string> geometries = {
      "num_output: 16 kernel_size: 3 pad: 1",
      "num_output: 8 group: 2 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2",
      "num_output: 6 group: 6 kernel_size: 3 stride: 2 pad: 1",    // depthwise
      "num_output: 12 group: 3 kernel_size: 3 dilation: 2 pad: 2",
      "num_output: 5 kernel_size: 1 stride: 2",
      "num_output: 4 kernel_size: 5 bias_term: false",
  };
  for (const std::string& g : geometries) {
    SCOPED_TRACE(g);
    ExpectEnginesAgree(ParseLayer(ConvLayer(g)), {{3, 6, 11, 9}, {3, 6, 11, 9}}, 1e-4f);
  }
}

TEST(DnnlEngine, InnerProductMatchesCaffe) {
  for (const char* extra : {"", "transpose: true", "bias_term: false", "axis: 2"}) {
    SCOPED_TRACE(extra);
    const LayerParameter p = ParseLayer(
        std::string("name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'y' inner_product_param { num_output: 37 ") +
        extra + " weight_filler { type: 'gaussian' std: 0.1 } bias_filler { type: 'gaussian' std: 0.1 } }");
    ExpectEnginesAgree(p, {{5, 4, 3, 7}}, 1e-4f);
  }
}

TEST(DnnlEngine, PoolingMatchesCaffe) {
  for (const char* params : {"pool: AVE kernel_size: 3 stride: 2", "pool: AVE kernel_size: 2 stride: 2 pad: 1",
                             "pool: AVE kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 3",
                             "pool: AVE kernel_size: 3 stride: 3 pad: 1 round_mode: FLOOR", "pool: AVE global_pooling: true",
                             "pool: AVE kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR"}) {
    SCOPED_TRACE(params);
    const LayerParameter p =
        ParseLayer(std::string("name: 'p' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { ") + params + " }");
    Built dnnl = Build(WithEngine(p, Engine::DNNL), {{2, 3, 9, 8}});
    EXPECT_TRUE(dynamic_cast<DnnlPoolingLayer&>(*dnnl.layer).uses_dnnl());
    ExpectEnginesAgree(p, {{2, 3, 9, 8}}, 1e-5f);
  }
}

// Primitives follow the input when its shape changes between passes.
TEST(DnnlEngine, ConvolutionFollowsShapeChanges) {
  const LayerParameter p = ParseLayer(
      "name: 'c' type: 'Convolution' bottom: 'a' top: 'p' convolution_param { num_output: 4 kernel_size: 3 pad: 1 "
      "stride: 2 weight_filler { type: 'gaussian' } bias_filler { type: 'gaussian' } }");
  Built caffe = Build(WithEngine(p, Engine::CAFFE), {{2, 3, 9, 7}});
  Built dnnl = Build(WithEngine(p, Engine::DNNL), {{2, 3, 9, 7}});
  const std::vector<std::vector<int>> shapes = {{5, 3, 13, 10}, {1, 3, 6, 6}, {2, 3, 9, 7}};
  for (size_t k = 0; k < shapes.size(); ++k) {
    SCOPED_TRACE("input " + std::to_string(k));
    for (Built* b : {&caffe, &dnnl}) {
      b->bottom[0]->Reshape(shapes[k]);
      Context::set_random_seed(10 + k);
      test::FillGaussian(b->bottom[0]);
      b->layer->Reshape(b->bottom, b->top);
    }
    const auto a = Passes(caffe), d = Passes(dnnl);
    for (size_t i = 0; i < a.size(); ++i) test::ExpectClose(a[i], d[i], 1e-4f, "result " + std::to_string(i));
  }
}

}  // namespace
}  // namespace cnn
