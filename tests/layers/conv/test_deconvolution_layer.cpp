#include <gtest/gtest.h>

#include "cnn/layers/conv/deconvolution_layer.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::ParseLayer;

struct Spec {
  int num_output = 2;
  int kernel_h = 3, kernel_w = 3;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int group = 1;
  bool bias = true;
  std::string engine = "";
};

std::string Text(const Spec& s) {
  std::ostringstream t;
  t << "name: 'deconv' type: 'Deconvolution' convolution_param { " << s.engine << " num_output: " << s.num_output
    << " kernel_h: " << s.kernel_h << " kernel_w: " << s.kernel_w << " stride_h: " << s.stride_h
    << " stride_w: " << s.stride_w << " pad_h: " << s.pad_h << " pad_w: " << s.pad_w
    << " dilation: " << s.dilation_h << " dilation: " << s.dilation_w << " group: " << s.group
    << " bias_term: " << (s.bias ? "true" : "false")
    << " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 } }";
  return t.str();
}

std::unique_ptr<Layer> Make(const std::string& text) { return LayerRegistry::Create(ParseLayer(text)); }

Spec Square(int num_output, int k, int stride, int pad) {
  Spec s;
  s.num_output = num_output;
  s.kernel_h = s.kernel_w = k;
  s.stride_h = s.stride_w = stride;
  s.pad_h = s.pad_w = pad;
  return s;
}

// Direct transposed convolution: every input pixel scatters itself, times the
// kernel, onto the output. Independent of im2col/col2im.
struct Reference {
  int N, C, H, W, M, OH, OW, Cg, Mg;
  Spec s;
  Reference(const Blob& in, const Spec& spec)
      : N(in.shape(0)), C(in.shape(1)), H(in.shape(2)), W(in.shape(3)), M(spec.num_output),
        OH(spec.stride_h * (H - 1) + spec.dilation_h * (spec.kernel_h - 1) + 1 - 2 * spec.pad_h),
        OW(spec.stride_w * (W - 1) + spec.dilation_w * (spec.kernel_w - 1) + 1 - 2 * spec.pad_w),
        Cg(C / spec.group), Mg(spec.num_output / spec.group), s(spec) {}

  // f(top index, input index, weight index) for every term.
  template <typename F>
  void ForEachTerm(F f) const {
    for (int n = 0; n < N; ++n)
      for (int c = 0; c < C; ++c)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < W; ++x) {
            const int in = ((n * C + c) * H + y) * W + x;
            const int g = c / Cg;
            for (int mo = 0; mo < Mg; ++mo)
              for (int i = 0; i < s.kernel_h; ++i)
                for (int j = 0; j < s.kernel_w; ++j) {
                  const int oh = y * s.stride_h - s.pad_h + i * s.dilation_h;
                  const int ow = x * s.stride_w - s.pad_w + j * s.dilation_w;
                  if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                  const int m = g * Mg + mo;
                  f(((n * M + m) * OH + oh) * OW + ow, in, ((c * Mg + mo) * s.kernel_h + i) * s.kernel_w + j);
                }
          }
  }

  std::vector<float> Forward(const float* in, const float* w, const float* b) const {
    std::vector<double> acc(static_cast<size_t>(N) * M * OH * OW, 0.0);
    ForEachTerm([&](int t, int i, int k) { acc[t] += static_cast<double>(in[i]) * w[k]; });
    std::vector<float> out(acc.size());
    for (size_t t = 0; t < acc.size(); ++t) {
      const int m = static_cast<int>(t / (OH * OW)) % M;
      out[t] = static_cast<float>(acc[t] + (b ? b[m] : 0.f));
    }
    return out;
  }

  void Backward(const float* in, const float* w, const float* dy, std::vector<float>* dx, std::vector<float>* dw,
                std::vector<float>* db) const {
    std::vector<double> ax(static_cast<size_t>(N) * C * H * W, 0.0);
    std::vector<double> aw(static_cast<size_t>(C) * Mg * s.kernel_h * s.kernel_w, 0.0);
    ForEachTerm([&](int t, int i, int k) {
      ax[i] += static_cast<double>(w[k]) * dy[t];
      aw[k] += static_cast<double>(in[i]) * dy[t];
    });
    dx->assign(ax.begin(), ax.end());
    dw->assign(aw.begin(), aw.end());
    std::vector<double> acc(M, 0.0);
    for (int t = 0; t < N * M * OH * OW; ++t) acc[(t / (OH * OW)) % M] += dy[t];
    db->assign(acc.begin(), acc.end());
  }
};

void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < actual.size() && failures < 5; ++i) {
    if (std::fabs(actual[i] - expected[i]) > 1e-4f * std::max(1.f, std::fabs(expected[i]))) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": " << actual[i] << " vs expected " << expected[i];
    }
  }
}

std::vector<float> DiffOf(const Blob& b) { return std::vector<float>(b.cpu_diff(), b.cpu_diff() + b.count()); }

void CompareWithReference(const Spec& s, const std::vector<int>& shape) {
  SCOPED_TRACE(Text(s));
  Context::set_random_seed(4321);
  auto layer = Make(Text(s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const Reference ref(bottom, s);
  ASSERT_EQ(top.shape(), (std::vector<int>{ref.N, ref.M, ref.OH, ref.OW}));
  const float* w = layer->blobs()[0]->cpu_data();
  const float* b = s.bias ? layer->blobs()[1]->cpu_data() : nullptr;
  ExpectNear(DataOf(top), ref.Forward(bottom.cpu_data(), w, b), "forward");

  FillGaussian(&top);
  cpu_copy(top.count(), top.cpu_data(), top.mutable_cpu_diff());
  for (auto& p : layer->blobs()) cpu_set(p->count(), 0.f, p->mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&bottom});
  std::vector<float> dx, dw, db;
  ref.Backward(bottom.cpu_data(), w, top.cpu_diff(), &dx, &dw, &db);
  ExpectNear(DiffOf(bottom), dx, "bottom diff");
  ExpectNear(DiffOf(*layer->blobs()[0]), dw, "weight diff");
  if (s.bias) ExpectNear(DiffOf(*layer->blobs()[1]), db, "bias diff");
}

TEST(DeconvolutionLayer, OutputShapeAndWeightLayout) {
  // Caffe: out = stride * (in - 1) + dilation * (kernel - 1) + 1 - 2 * pad;
  // weights (channels, num_output / group, kh, kw).
  auto layer = Make(
      "name: 'deconv' type: 'Deconvolution' convolution_param { num_output: 6 kernel_h: 3 kernel_w: 2 "
      "stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 0 dilation: 2 dilation: 1 group: 2 }");
  Blob bottom(2, 4, 3, 5), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 6, 2 * 2 + 5 - 2, 3 * 4 + 2}));
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4, 3, 3, 2}));
  EXPECT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{6}));
  EXPECT_STREQ(layer->type(), "Deconvolution");
}

TEST(DeconvolutionLayer, KnownAnswerHandComputed) {
  // One 1x2 image [1, 2], one 2x2 kernel [[1, 10], [100, 1000]], stride 2:
  // each pixel stamps the kernel scaled by itself into its own 2x2 block.
  auto layer = Make(
      "name: 'deconv' type: 'Deconvolution' convolution_param { num_output: 1 kernel_size: 2 stride: 2 "
      "bias_filler { type: 'constant' value: 0.5 } }");
  Blob bottom(1, 1, 1, 2), top;
  test::FillValues(&bottom, {1, 2});
  layer->SetUp({&bottom}, {&top});
  test::FillValues(layer->blobs()[0].get(), {1, 10, 100, 1000});
  layer->Forward({&bottom}, {&top});
  ASSERT_EQ(top.shape(), (std::vector<int>{1, 1, 2, 4}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{1.5f, 10.5f, 2.5f, 20.5f, 100.5f, 1000.5f, 200.5f, 2000.5f}));
  // Overlapping stamps add: stride 1 over [1, 2] with kernel [1, 10] (1x2).
  auto overlap = Make(
      "name: 'deconv' type: 'Deconvolution' convolution_param { num_output: 1 kernel_h: 1 kernel_w: 2 "
      "bias_term: false }");
  Blob top2;
  overlap->SetUp({&bottom}, {&top2});
  test::FillValues(overlap->blobs()[0].get(), {1, 10});
  overlap->Forward({&bottom}, {&top2});
  EXPECT_EQ(DataOf(top2), (std::vector<float>{1.f, 12.f, 20.f}));
}

// FCN's upsampling: group = channels = num_output, kernel 2f - f % 2, stride
// f, pad ceil((f - 1) / 2), bilinear weights. For f = 2 the 1-D weights are
// [0.25, 0.75, 0.75, 0.25].
TEST(DeconvolutionLayer, BilinearUpsamplingKnownAnswer) {
  const std::string text =
      "name: 'up' type: 'Deconvolution' convolution_param { num_output: 2 group: 2 kernel_size: 4 stride: 2 "
      "pad: 1 bias_term: false weight_filler { type: 'bilinear' } }";
  auto layer = Make(text);
  Blob bottom(1, 2, 1, 2), top;
  test::FillValues(&bottom, {1, 2, -4, 8});
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 1, 4, 4}));
  layer->Forward({&bottom}, {&top});
  ASSERT_EQ(top.shape(), (std::vector<int>{1, 2, 2, 4}));
  // Rows: a single input row reaches both output rows with weight 0.75.
  // Columns [a, b] -> [0.75a, 0.75a + 0.25b, 0.25a + 0.75b, 0.75b].
  const auto row = [](float a, float b) {
    return std::vector<float>{0.75f * 0.75f * a, 0.75f * (0.75f * a + 0.25f * b), 0.75f * (0.25f * a + 0.75f * b),
                              0.75f * 0.75f * b};
  };
  std::vector<float> expected;
  for (float v : row(1, 2)) expected.push_back(v);
  for (float v : row(1, 2)) expected.push_back(v);
  for (float v : row(-4, 8)) expected.push_back(v);
  for (float v : row(-4, 8)) expected.push_back(v);
  ExpectNear(DataOf(top), expected, "bilinear 1x2 -> 2x4");

  // Away from the border a constant image stays that constant, and a ramp
  // stays a ramp at half the slope (bilinear interpolation).
  auto big = Make(text);
  Blob ramp(1, 2, 4, 4), up;
  std::vector<float> v;
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) v.push_back(c == 0 ? 3.f : static_cast<float>(x));
  test::FillValues(&ramp, v);
  big->SetUp({&ramp}, {&up});
  big->Forward({&ramp}, {&up});
  ASSERT_EQ(up.shape(), (std::vector<int>{1, 2, 8, 8}));
  const float* d = up.cpu_data();
  for (int y = 1; y < 7; ++y)
    for (int x = 1; x < 7; ++x) {
      EXPECT_NEAR(d[y * 8 + x], 3.f, 1e-6f) << y << "," << x;
      // Output x sits at input position (x - 0.5) / 2.
      EXPECT_NEAR(d[64 + y * 8 + x], (x - 0.5f) / 2.f, 1e-6f) << y << "," << x;
    }
}

TEST(DeconvolutionLayer, MatchesDirectReference) {
  CompareWithReference(Square(3, 3, 1, 0), {2, 2, 4, 5});
  CompareWithReference(Square(2, 4, 2, 1), {2, 3, 3, 3});
  CompareWithReference(Square(2, 3, 3, 2), {1, 2, 4, 3});
  Spec grouped = Square(6, 3, 2, 1);
  grouped.group = 2;
  CompareWithReference(grouped, {2, 4, 3, 4});
  Spec depthwise = Square(3, 3, 1, 1);
  depthwise.group = 3;
  CompareWithReference(depthwise, {2, 3, 4, 4});
  Spec dilated = Square(2, 3, 1, 1);
  dilated.dilation_h = 2;
  dilated.dilation_w = 3;
  CompareWithReference(dilated, {1, 2, 4, 5});
  Spec asymmetric = Square(2, 2, 2, 0);
  asymmetric.kernel_w = 3;
  asymmetric.stride_w = 1;
  asymmetric.pad_w = 1;
  asymmetric.bias = false;
  CompareWithReference(asymmetric, {2, 2, 3, 4});
  CompareWithReference(Square(4, 1, 1, 0), {2, 3, 3, 2});  // 1x1: no col2im
  CompareWithReference(Square(2, 1, 2, 0), {1, 3, 3, 2});  // 1x1 with stride: col2im
}

TEST(DeconvolutionLayer, IsTheAdjointOfConvolution) {
  // <deconv(x), y> == <x, conv(y)> with the same weight blob (no bias).
  // The deconvolution maps 2 -> 3 channels, the convolution 3 -> 2: both
  // weight blobs are (2, 3, 3, 3).
  const std::string geometry = " kernel_size: 3 stride: 2 pad: 1 bias_term: false "
                               "weight_filler { type: 'gaussian' std: 1 } }";
  Context::set_random_seed(9);
  auto deconv = Make("name: 'd' type: 'Deconvolution' convolution_param { num_output: 3" + geometry);
  auto conv = Make("name: 'c' type: 'Convolution' convolution_param { num_output: 2" + geometry);
  Blob x(2, 2, 4, 3), dx, y(2, 3, 7, 5), cy;
  FillGaussian(&x);
  FillGaussian(&y);
  deconv->SetUp({&x}, {&dx});
  conv->SetUp({&y}, {&cy});
  ASSERT_EQ(conv->blobs()[0]->shape(), deconv->blobs()[0]->shape());
  cpu_copy(deconv->blobs()[0]->count(), deconv->blobs()[0]->cpu_data(), conv->blobs()[0]->mutable_cpu_data());
  deconv->Forward({&x}, {&dx});
  conv->Forward({&y}, {&cy});
  ASSERT_EQ(dx.shape(), y.shape());
  ASSERT_EQ(cy.shape(), x.shape());
  const double lhs = cpu_dot(dx.count(), dx.cpu_data(), y.cpu_data());
  const double rhs = cpu_dot(x.count(), x.cpu_data(), cy.cpu_data());
  EXPECT_NEAR(lhs, rhs, 1e-4 * std::max(1.0, std::fabs(lhs)));
}

TEST(DeconvolutionLayer, SeveralBottomsShareWeights) {
  auto layer = Make(Text(Square(2, 3, 2, 1)) + " bottom: 'a' bottom: 'b' top: 'c' top: 'd'");
  Blob a(1, 2, 3, 3), b(1, 2, 3, 3), ta, tb;
  FillGaussian(&a);
  cpu_copy(a.count(), a.cpu_data(), b.mutable_cpu_data());
  layer->SetUp({&a, &b}, {&ta, &tb});
  layer->Forward({&a, &b}, {&ta, &tb});
  EXPECT_EQ(DataOf(ta), DataOf(tb));
}

void ExpectSetUpError(const std::string& text, const std::vector<int>& shape, const std::vector<std::string>& parts) {
  auto layer = Make(text);
  Blob bottom(shape), top;
  try {
    layer->SetUp({&bottom}, {&top});
    FAIL() << "no error for " << text;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'deconv' (Deconvolution): "), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  }
}

TEST(DeconvolutionLayer, BadParametersAreErrors) {
  const std::string head = "name: 'deconv' type: 'Deconvolution' convolution_param { ";
  // Output size 1 * (1 - 1) + 1 - 2 * 1 = -1.
  ExpectSetUpError(head + "num_output: 1 kernel_size: 1 pad: 1 }", {1, 1, 1, 1},
                   {"output size -1x-1", "1 1 1 1", "pad 1x1"});
  ExpectSetUpError(head + "num_output: 4 kernel_size: 3 group: 2 }", {1, 3, 5, 5}, {"channels 3", "group 2"});
  ExpectSetUpError(head + "num_output: 3 kernel_size: 3 group: 2 }", {1, 4, 5, 5}, {"num_output 3", "group 2"});
  ExpectSetUpError(head + "num_output: 2 kernel_size: 3 }", {1, 5}, {"spatial axes", "1 5"});
  ExpectSetUpError(head + "num_output: 2 kernel_size: 3 kernel_size: 3 kernel_size: 3 }", {1, 1, 5, 5},
                   {"3 values"});
  ExpectSetUpError(head + "num_output: 2 kernel_size: 3 stride: 1 stride: 1 stride: 1 }", {1, 1, 5, 5},
                   {"stride has 3 values"});
  ExpectSetUpError(head + "num_output: 2 }", {1, 1, 5, 5}, {"kernel_size"});
  // Inline weights in the convolution's layout are refused with both shapes.
  auto layer = Make(head + "num_output: 3 kernel_size: 2 bias_term: false }");
  layer->blobs().push_back(std::make_shared<Blob>(std::vector<int>{3, 2, 2, 2}));
  Blob bottom(1, 2, 3, 3), top;
  try {
    layer->SetUp({&bottom}, {&top});
    FAIL() << "convolution-shaped weights accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 3 2 2 (channels, num_output / group"), std::string::npos) << e.what();
  }
}

TEST(DeconvolutionLayer, InputChangesAreChecked) {
  auto layer = Make("name: 'deconv' type: 'Deconvolution' convolution_param { num_output: 2 kernel_size: 3 "
                    "stride: 2 }");
  Blob bottom(1, 3, 2, 2), top;
  layer->SetUp({&bottom}, {&top});
  bottom.Reshape(2, 3, 3, 1);
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 2, 7, 3}));
  bottom.Reshape(1, 4, 2, 2);
  EXPECT_THROW(layer->Forward({&bottom}, {&top}), Error);
}

void GradientCase(const Spec& s, const std::vector<int>& shape) {
  SCOPED_TRACE(Text(s));
  Context::set_random_seed(77);
  auto layer = Make(Text(s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

std::vector<std::pair<Spec, std::vector<int>>> GradientCases() {
  Spec grouped = Square(4, 3, 2, 1);
  grouped.group = 2;
  Spec dilated = Square(2, 2, 1, 1);
  dilated.dilation_h = dilated.dilation_w = 2;
  Spec no_bias = Square(2, 4, 2, 1);
  no_bias.bias = false;
  return {{Square(3, 3, 1, 1), {2, 2, 4, 4}}, {grouped, {2, 4, 3, 3}}, {dilated, {2, 2, 3, 4}},
          {no_bias, {1, 2, 3, 3}},           {Square(2, 1, 1, 0), {2, 3, 3, 3}}};
}

TEST(DeconvolutionLayer, Gradient) {
  for (const auto& c : GradientCases()) GradientCase(c.first, c.second);
}

// ---- GPU: engine CAFFE (im2col/col2im + cuBLAS), and cuDNN where built ----

std::string GpuText(const Spec& s) { return Text(s) + " bottom: 'in0' top: 'out0'"; }

TEST(DeconvolutionLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions options;
  options.tolerance = 1e-3f;  // cuDNN's algorithms sum in other orders (see test_cudnn_layers)
  Spec grouped = Square(6, 3, 2, 1);
  grouped.group = 3;
  Spec dilated = Square(2, 3, 1, 2);
  dilated.dilation_h = dilated.dilation_w = 2;
  for (const auto& c : std::vector<std::pair<Spec, std::vector<int>>>{{Square(4, 4, 2, 1), {3, 3, 5, 6}},
                                                                      {grouped, {2, 3, 5, 4}},
                                                                      {dilated, {2, 2, 6, 5}},
                                                                      {Square(3, 1, 1, 0), {2, 4, 5, 5}}}) {
    SCOPED_TRACE(GpuText(c.first));
    test::ExpectGpuMatchesCpu(ParseLayer(GpuText(c.first)), {c.second}, options);
  }
}

TEST(DeconvolutionLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  for (const char* engine : {"engine: CAFFE", "engine: CUDNN"}) {
#ifndef CNN_WITH_CUDNN
    if (std::string(engine) == "engine: CUDNN") continue;
#endif
    for (auto c : GradientCases()) {
      c.first.engine = engine;
      SCOPED_TRACE(Text(c.first));
      Context::set_random_seed(77);
      auto layer = Make(Text(c.first));
      Blob bottom(c.second), top;
      FillGaussian(&bottom);
      test::ScopedGpuMode gpu;
      CheckGradient(*layer, {&bottom}, {&top});
    }
  }
}

}  // namespace
}  // namespace cnn
