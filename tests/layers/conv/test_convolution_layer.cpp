#include <cblas.h>
#include <gtest/gtest.h>

#include "cnn/layers/conv/convolution_layer.hpp"
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/cpu_memory_limit.hpp"
#include "cnn/core/cpu_workspace.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillGaussian;
using test::GradientCheckOptions;
using test::ParseLayer;

struct Spec {
  int num_output = 2;
  int kernel_h = 3, kernel_w = 3;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int group = 1;
  bool bias = true;
};

std::string Text(const Spec& s) {
  std::ostringstream t;
  t << "name: 'conv' type: 'Convolution' convolution_param { num_output: " << s.num_output
    << " kernel_h: " << s.kernel_h << " kernel_w: " << s.kernel_w << " stride_h: " << s.stride_h
    << " stride_w: " << s.stride_w << " pad_h: " << s.pad_h << " pad_w: " << s.pad_w
    << " dilation: " << s.dilation_h << " dilation: " << s.dilation_w << " group: " << s.group
    << " bias_term: " << (s.bias ? "true" : "false")
    << " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 } }";
  return t.str();
}

// engine: CAFFE: these tests are about our own kernel's paths (chunks,
// the 1x1 path, the depthwise loops), which DEFAULT would replace by oneDNN
// in a build with it; tests/layers/dnnl/ holds the DNNL engine to ours.
std::unique_ptr<Layer> Make(const std::string& text) {
  LayerParameter p = ParseLayer(text);
  LayerRegistry::SetEngine(&p, LayerRegistry::Engine::CAFFE);
  return LayerRegistry::Create(p);
}

int OutSize(int in, int k, int pad, int stride, int dilation) {
  return (in + 2 * pad - (dilation * (k - 1) + 1)) / stride + 1;
}

// Direct convolution, one multiply-add at a time; independent of im2col.
struct Reference {
  int N, C, H, W, M, OH, OW, Cg, Mg;
  Spec s;
  Reference(const Blob& in, const Spec& spec)
      : N(in.shape(0)),
        C(in.shape(1)),
        H(in.shape(2)),
        W(in.shape(3)),
        M(spec.num_output),
        OH(OutSize(H, spec.kernel_h, spec.pad_h, spec.stride_h, spec.dilation_h)),
        OW(OutSize(W, spec.kernel_w, spec.pad_w, spec.stride_w, spec.dilation_w)),
        Cg(C / spec.group),
        Mg(spec.num_output / spec.group),
        s(spec) {}

  // Calls f(top index, input index (or -1 for padding), weight index) for every term.
  template <typename F>
  void ForEachTerm(F f) const {
    for (int n = 0; n < N; ++n)
      for (int m = 0; m < M; ++m)
        for (int y = 0; y < OH; ++y)
          for (int x = 0; x < OW; ++x) {
            const int top = ((n * M + m) * OH + y) * OW + x;
            const int g = m / Mg;
            for (int c = 0; c < Cg; ++c)
              for (int i = 0; i < s.kernel_h; ++i)
                for (int j = 0; j < s.kernel_w; ++j) {
                  const int ih = y * s.stride_h - s.pad_h + i * s.dilation_h;
                  const int iw = x * s.stride_w - s.pad_w + j * s.dilation_w;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  f(top, ((n * C + g * Cg + c) * H + ih) * W + iw,
                    ((m * Cg + c) * s.kernel_h + i) * s.kernel_w + j);
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

  void Backward(const float* in, const float* w, const float* dy, std::vector<float>* dx,
                std::vector<float>* dw, std::vector<float>* db) const {
    std::vector<double> ax(static_cast<size_t>(N) * C * H * W, 0.0);
    std::vector<double> aw(static_cast<size_t>(M) * Cg * s.kernel_h * s.kernel_w, 0.0);
    ForEachTerm([&](int t, int i, int k) {
      ax[i] += static_cast<double>(w[k]) * dy[t];
      aw[k] += static_cast<double>(in[i]) * dy[t];
    });
    dx->assign(ax.begin(), ax.end());
    dw->assign(aw.begin(), aw.end());
    db->assign(M, 0.f);
    for (int t = 0; t < N * M * OH * OW; ++t) (*db)[(t / (OH * OW)) % M] += dy[t];
  }
};

void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected,
                const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < actual.size() && failures < 5; ++i) {
    if (std::fabs(actual[i] - expected[i]) > 1e-4f * std::max(1.f, std::fabs(expected[i]))) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": " << actual[i] << " vs expected " << expected[i];
    }
  }
}

// Runs forward and backward through a set-up layer and compares values,
// input gradient and parameter gradients with the direct reference.
void CheckAgainstReference(Layer& layer, Blob& bottom, Blob& top, const Spec& s) {
  layer.Forward({&bottom}, {&top});

  const Reference ref(bottom, s);
  EXPECT_EQ(top.shape(), (std::vector<int>{ref.N, ref.M, ref.OH, ref.OW}));
  const float* w = layer.blobs()[0]->cpu_data();
  const float* b = s.bias ? layer.blobs()[1]->cpu_data() : nullptr;
  ExpectNear(DataOf(top), ref.Forward(bottom.cpu_data(), w, b), "forward");

  FillGaussian(&top);  // any values will do as the top gradient
  cpu_copy(top.count(), top.cpu_data(), top.mutable_cpu_diff());
  for (auto& p : layer.blobs()) cpu_set(p->count(), 0.f, p->mutable_cpu_diff());
  layer.Backward({&top}, {true}, {&bottom});
  std::vector<float> dx, dw, db;
  ref.Backward(bottom.cpu_data(), w, top.cpu_diff(), &dx, &dw, &db);
  ExpectNear(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count()), dx, "bottom diff");
  const Blob& weights = *layer.blobs()[0];
  ExpectNear(std::vector<float>(weights.cpu_diff(), weights.cpu_diff() + weights.count()), dw, "weight diff");
  if (s.bias) {
    const Blob& bias = *layer.blobs()[1];
    ExpectNear(std::vector<float>(bias.cpu_diff(), bias.cpu_diff() + bias.count()), db, "bias diff");
  }
}

std::string ShapeText(const std::vector<int>& shape) {
  std::string t;
  for (int d : shape) t += (t.empty() ? "" : "x") + std::to_string(d);
  return t;
}

void CompareWithReference(const Spec& s, std::vector<int> shape, int expect_chunk = 0) {
  SCOPED_TRACE(Text(s) + " input " + ShapeText(shape));
  Context::set_random_seed(1234);
  auto layer = Make(Text(s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  if (expect_chunk) {
    auto* conv = dynamic_cast<ConvolutionLayer*>(layer.get());
    ASSERT_NE(conv, nullptr);
    EXPECT_EQ(conv->chunk_size(), expect_chunk);
  }
  CheckAgainstReference(*layer, bottom, top, s);
}

Spec Square(int num_output, int k, int stride, int pad) {
  Spec s;
  s.num_output = num_output;
  s.kernel_h = s.kernel_w = k;
  s.stride_h = s.stride_w = stride;
  s.pad_h = s.pad_w = pad;
  return s;
}

TEST(ConvolutionLayer, KnownAnswer7x7Stride1) {
  CompareWithReference(Square(1, 3, 1, 0), {1, 1, 7, 7});
  Spec s = Square(1, 3, 1, 0);
  auto layer = Make(Text(s));
  Blob bottom(1, 1, 7, 7), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 5, 5}));
}

TEST(ConvolutionLayer, KnownAnswer7x7Stride2) {
  auto layer = Make(Text(Square(1, 3, 2, 0)));
  Blob bottom(1, 1, 7, 7), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 3, 3}));
  CompareWithReference(Square(1, 3, 2, 0), {1, 1, 7, 7});
}

TEST(ConvolutionLayer, KnownAnswer7x7Pad1) {
  auto layer = Make(Text(Square(1, 3, 1, 1)));
  Blob bottom(1, 1, 7, 7), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 7, 7}));
  CompareWithReference(Square(1, 3, 1, 1), {1, 1, 7, 7});
}

TEST(ConvolutionLayer, KnownAnswerHandComputed) {
  // A 3x3 all-ones filter over 0..48 sums each 3x3 neighbourhood: the window
  // at (y, x) sums to 9 * (centre value).
  auto layer = Make(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 3 stride: 2 "
      "weight_filler { type: 'constant' value: 1 } bias_filler { type: 'constant' value: 0.5 } }");
  Blob bottom(1, 1, 7, 7), top;
  std::vector<float> v(49);
  for (int i = 0; i < 49; ++i) v[i] = static_cast<float>(i);
  test::FillValues(&bottom, v);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  ASSERT_EQ(top.shape(), (std::vector<int>{1, 1, 3, 3}));
  std::vector<float> expected;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) expected.push_back(9.f * ((2 * y + 1) * 7 + 2 * x + 1) + 0.5f);
  EXPECT_EQ(DataOf(top), expected);
}

TEST(ConvolutionLayer, CifarStyleShapeAndParameterCount) {
  auto layer = Make(
      "name: 'conv1' type: 'Convolution' convolution_param { num_output: 10 kernel_size: 5 stride: 1 pad: 2 "
      "}");
  Blob bottom(1, 3, 32, 32), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 10, 32, 32}));
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{10, 3, 5, 5}));
  EXPECT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{10}));
  EXPECT_EQ(layer->blobs()[0]->count() + layer->blobs()[1]->count(), 760);
}

TEST(ConvolutionLayer, MatchesDirectConvolution) {
  {
    Spec s = Square(6, 3, 1, 1);
    s.group = 2;
    CompareWithReference(s, {2, 4, 7, 7});
  }
  {
    Spec s = Square(3, 3, 1, 1);
    s.group = 3;  // depthwise
    CompareWithReference(s, {2, 3, 6, 6});
  }
  {
    Spec s = Square(6, 3, 1, 1);
    s.group = 3;  // depthwise with a channel multiplier of 2
    CompareWithReference(s, {2, 3, 5, 6});
  }
  {
    Spec s = Square(3, 3, 1, 2);
    s.dilation_h = s.dilation_w = 2;
    CompareWithReference(s, {2, 2, 9, 8});
  }
  {
    Spec s = Square(3, 3, 1, 1);
    s.dilation_h = 2;  // dilation per axis
    CompareWithReference(s, {2, 2, 8, 7});
  }
  CompareWithReference(Square(4, 3, 2, 1), {2, 3, 8, 7});
  {
    Spec s = Square(3, 3, 1, 0);
    s.kernel_w = 2;
    s.pad_h = 1;
    s.stride_h = 2;
    CompareWithReference(s, {2, 2, 7, 6});
  }
  {
    Spec s = Square(4, 5, 3, 2);  // stride larger than a tap step
    s.kernel_w = 3;
    s.stride_w = 2;
    s.pad_w = 0;
    CompareWithReference(s, {2, 2, 11, 9});
  }
  {
    Spec s = Square(2, 3, 1, 0);
    s.bias = false;
    CompareWithReference(s, {2, 2, 5, 5});
  }
}

TEST(ConvolutionLayer, OneByOneFastPath) {
  // Large images run one image per chunk and multiply the input directly.
  CompareWithReference(Square(5, 1, 1, 0), {3, 4, 64, 64}, 1);
  // Small images are chunked; the 1x1 lowering is then a reordering copy.
  CompareWithReference(Square(3, 1, 1, 0), {5, 4, 6, 6});
  Spec grouped = Square(4, 1, 1, 0);
  grouped.group = 2;
  CompareWithReference(grouped, {3, 4, 64, 64}, 1);
  // A strided 1x1 convolution is not the plain product.
  CompareWithReference(Square(3, 1, 2, 0), {2, 4, 9, 9});
}

TEST(ConvolutionLayer, BatchLargerThanChunk) {
  // 32x32 outputs (1024 columns each) are lowered 4 images at a time: nine
  // images make chunks of 4, 4 and 1.
  Spec s = Square(4, 3, 1, 1);
  CompareWithReference(s, {9, 3, 32, 32}, 4);
  s.group = 3;
  s.num_output = 6;
  CompareWithReference(s, {6, 3, 32, 32}, 4);
  // Whole batch in one chunk.
  CompareWithReference(Square(5, 5, 1, 0), {8, 2, 12, 12});
}

// Two layers of a net borrow one column buffer, the thread's CpuWorkspace:
// once the larger has run, the smaller allocates nothing, both still match
// the direct convolution, and the larger's top survives the smaller's passes
// through the shared buffer.
TEST(ConvolutionLayer, TwoLayersShareOneWorkspace) {
  Context::set_random_seed(99);
  const Spec big = Square(8, 5, 1, 2), small = Square(3, 3, 1, 1);
  auto a = Make(Text(big));
  auto b = Make(Text(small));
  Blob a_bottom(std::vector<int>{6, 4, 20, 20}), a_top, b_bottom(std::vector<int>{2, 2, 10, 10}), b_top;
  FillGaussian(&a_bottom);
  FillGaussian(&b_bottom);
  a->SetUp({&a_bottom}, {&a_top});
  b->SetUp({&b_bottom}, {&b_top});
  const size_t big_floats = size_t{4 * 25} * 6 * 400 + size_t{8} * 6 * 400;  // columns + chunk product
  a->Forward({&a_bottom}, {&a_top});
  const std::vector<float> a_out = DataOf(a_top);
  CpuWorkspace& workspace = CpuWorkspace::ThisThread();
  EXPECT_GE(workspace.capacity_floats(), big_floats);
  const float* shared = workspace.Get(0);
  // The blobs' own memory, taken now so that the count below sees only
  // what the passes borrow.
  for (Blob* blob : {&a_top, &a_bottom, &b_top, &b_bottom, a->blobs()[0].get(), a->blobs()[1].get(),
                     b->blobs()[0].get(), b->blobs()[1].get()}) {
    blob->mutable_cpu_data();
    blob->mutable_cpu_diff();
  }
  const size_t allocations = CpuAllocationCount();
  {
    SCOPED_TRACE("small layer after the large one");
    CheckAgainstReference(*b, b_bottom, b_top, small);
  }
  EXPECT_EQ(CpuAllocationCount(), allocations) << "the smaller layer took a buffer of its own";
  EXPECT_EQ(workspace.Get(0), shared);
  const Reference ref(a_bottom, big);
  const float* bias = a->blobs()[1]->cpu_data();
  ExpectNear(a_out, ref.Forward(a_bottom.cpu_data(), a->blobs()[0]->cpu_data(), bias), "large layer's top");
  {
    SCOPED_TRACE("large layer again");
    CheckAgainstReference(*a, a_bottom, a_top, big);
  }
  EXPECT_EQ(CpuAllocationCount(), allocations);
}

TEST(ConvolutionLayer, ParallelLoopsMatchReference) {
#ifndef _OPENMP
  GTEST_SKIP() << "built without OpenMP";
#else
  // Two OpenMP threads beside a single-threaded OpenBLAS turn on the parallel
  // im2col, col2im, scatter and gather loops.
  const int blas_threads = openblas_get_num_threads(), omp_threads = omp_get_max_threads();
  openblas_set_num_threads(1);
  omp_set_num_threads(2);
  EXPECT_TRUE(ParallelLoopPays(int64_t{1} << 20));
  Spec s = Square(6, 3, 1, 1);
  s.group = 2;
  CompareWithReference(s, {9, 4, 32, 32}, 4);
  CompareWithReference(Square(8, 1, 1, 0), {2, 4, 64, 64}, 1);
  openblas_set_num_threads(blas_threads);
  omp_set_num_threads(omp_threads);
#endif
}

TEST(ConvolutionLayer, ChannelAxisWithExtraBatchAxes) {
  // axis 2: the two leading axes are both batch axes.
  Context::set_random_seed(5);
  auto nd = Make(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 3 kernel_size: 3 axis: 2 "
      "weight_filler { type: 'gaussian' std: 1 } bias_filler { type: 'gaussian' std: 1 } }");
  Blob bottom({2, 3, 2, 5, 5}), top;
  FillGaussian(&bottom);
  nd->SetUp({&bottom}, {&top});
  nd->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 3, 3, 3}));

  auto flat = Make("name: 'conv' type: 'Convolution' convolution_param { num_output: 3 kernel_size: 3 }");
  Blob bottom4(6, 2, 5, 5), top4;
  cpu_copy(bottom.count(), bottom.cpu_data(), bottom4.mutable_cpu_data());
  flat->SetUp({&bottom4}, {&top4});
  for (int i = 0; i < 2; ++i) flat->blobs()[i]->CopyFrom(*nd->blobs()[i]);
  flat->Forward({&bottom4}, {&top4});
  EXPECT_EQ(DataOf(top), DataOf(top4));
}

TEST(ConvolutionLayer, SeveralBottomsShareWeights) {
  Context::set_random_seed(9);
  auto layer = Make(Text(Square(2, 3, 1, 1)));
  Blob a(2, 2, 5, 5), b(2, 2, 5, 5), ta, tb;
  FillGaussian(&a);
  FillGaussian(&b);
  layer->SetUp({&a, &b}, {&ta, &tb});
  layer->Forward({&a, &b}, {&ta, &tb});
  const Reference ref(b, Square(2, 3, 1, 1));
  ExpectNear(DataOf(tb),
             ref.Forward(b.cpu_data(), layer->blobs()[0]->cpu_data(), layer->blobs()[1]->cpu_data()),
             "second top");
  ExpectNear(DataOf(ta),
             ref.Forward(a.cpu_data(), layer->blobs()[0]->cpu_data(), layer->blobs()[1]->cpu_data()),
             "first top");
}

TEST(ConvolutionLayer, GeometryFieldForms) {
  // kernel_size/stride/pad with two values equal kernel_h/_w and friends.
  Context::set_random_seed(3);
  Blob bottom(2, 2, 9, 8);
  FillGaussian(&bottom);
  auto repeated = Make(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 3 kernel_size: 2 "
      "stride: 2 stride: 1 pad: 1 pad: 0 weight_filler { type: 'gaussian' std: 1 } }");
  auto split = Make(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_h: 3 kernel_w: 2 "
      "stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0 }");
  Blob t1, t2;
  repeated->SetUp({&bottom}, {&t1});
  split->SetUp({&bottom}, {&t2});
  for (int i = 0; i < 2; ++i) split->blobs()[i]->CopyFrom(*repeated->blobs()[i]);
  repeated->Forward({&bottom}, {&t1});
  split->Forward({&bottom}, {&t2});
  EXPECT_EQ(t1.shape(), (std::vector<int>{2, 2, 5, 7}));
  EXPECT_EQ(DataOf(t1), DataOf(t2));
}

TEST(ConvolutionLayer, DefaultFillersAndInlineWeights) {
  auto layer = Make("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 1 }");
  Blob bottom(1, 1, 2, 2), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(layer->blobs()[0]->asum_data(), 0.f);  // Caffe's default filler is constant 0

  LayerParameter p =
      ParseLayer("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 1 }");
  layer->ToProto(&p);
  p.mutable_blobs(0)->set_data(1, 7.f);
  auto loaded = LayerRegistry::Create(p);
  loaded->SetUp({&bottom}, {&top});
  EXPECT_EQ(loaded->blobs()[0]->cpu_data()[1], 7.f);

  p.mutable_blobs(0)->mutable_shape()->set_dim(1, 2);
  p.mutable_blobs(0)->add_data(0.f);
  p.mutable_blobs(0)->add_data(0.f);
  auto wrong = LayerRegistry::Create(p);
  try {
    wrong->SetUp({&bottom}, {&top});
    FAIL() << "weights of the wrong shape accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'conv' (Convolution)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2 2 1 1"), std::string::npos) << e.what();
  }
}

void ExpectSetUpError(const std::string& text, std::vector<int> shape,
                      const std::vector<std::string>& parts) {
  auto layer = Make(text);
  Blob bottom(shape), top;
  try {
    layer->SetUp({&bottom}, {&top});
    FAIL() << "no error for " << text;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'conv' (Convolution): "), std::string::npos) << msg;
    for (const auto& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  }
}

TEST(ConvolutionLayer, KernelLargerThanPaddedInputIsAnError) {
  ExpectSetUpError("name: 'conv' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 5 }",
                   {1, 1, 3, 3}, {"kernel 5x5", "padded input 3x3"});
  ExpectSetUpError(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 3 dilation: 3 }",
      {1, 1, 6, 6}, {"extent 7x7", "padded input 6x6"});
  // Fits once padded.
  auto layer =
      Make("name: 'conv' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 5 pad: 1 }");
  Blob bottom(1, 1, 3, 3), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 1, 1}));
}

TEST(ConvolutionLayer, BadParametersAreErrors) {
  ExpectSetUpError(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 4 kernel_size: 3 group: 2 }",
      {1, 3, 5, 5}, {"channels 3", "group 2"});
  ExpectSetUpError(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 5 kernel_size: 3 group: 2 }",
      {1, 4, 5, 5}, {"num_output 5", "group 2"});
  // No spatial axis after the channel axis (one is enough: N-D convolution).
  ExpectSetUpError("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 3 }",
                   {1, 5}, {"spatial axes", "1 5"});
  ExpectSetUpError("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 }", {1, 1, 5, 5},
                   {"kernel_size"});
  ExpectSetUpError("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_h: 3 }",
                   {1, 1, 5, 5}, {"kernel_w"});
  ExpectSetUpError(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 1 kernel_size: 2 "
      "kernel_size: 3 }",
      {1, 1, 5, 5}, {"3 values"});
  ExpectSetUpError("name: 'conv' type: 'Convolution' convolution_param { kernel_size: 3 }", {1, 1, 5, 5},
                   {"num_output"});
  ExpectSetUpError(
      "name: 'conv' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 3 stride: 0 }",
      {1, 1, 5, 5}, {"stride"});
}

TEST(ConvolutionLayer, InputChangesAreChecked) {
  auto layer = Make("name: 'conv' type: 'Convolution' convolution_param { num_output: 2 kernel_size: 3 }");
  Blob bottom(1, 3, 5, 5), top;
  layer->SetUp({&bottom}, {&top});
  bottom.Reshape(2, 3, 7, 6);  // new batch and image size are fine
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 2, 5, 4}));
  bottom.Reshape(1, 4, 5, 5);
  try {
    layer->Forward({&bottom}, {&top});
    FAIL() << "channel change accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("4 channels"), std::string::npos) << e.what();
  }
}

void GradientCase(const Spec& s, std::vector<int> shape) {
  SCOPED_TRACE(Text(s));
  Context::set_random_seed(77);
  auto layer = Make(Text(s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

TEST(ConvolutionLayer, Gradient) {
  GradientCase(Square(3, 3, 1, 1), {2, 2, 5, 5});
  Spec grouped = Square(4, 3, 2, 1);
  grouped.group = 2;
  GradientCase(grouped, {2, 4, 6, 5});
  Spec dilated = Square(2, 2, 1, 1);
  dilated.dilation_h = dilated.dilation_w = 2;
  GradientCase(dilated, {2, 2, 5, 5});
  Spec asymmetric = Square(2, 2, 2, 0);
  asymmetric.kernel_w = 3;
  asymmetric.stride_w = 1;
  asymmetric.pad_w = 1;
  GradientCase(asymmetric, {2, 2, 5, 4});
  GradientCase(Square(3, 1, 1, 0), {2, 3, 4, 4});
  Spec depthwise = Square(3, 3, 1, 1);
  depthwise.group = 3;
  depthwise.bias = false;
  GradientCase(depthwise, {2, 3, 4, 4});
}


// ---- Depthwise (group == channels): direct loops against the grouped gemm --

// Runs the same layer (same seed, so the same weights) once with the direct
// depthwise loops and once forced onto im2col + per-group gemm, and compares
// forward, input, weight and bias gradients.
void ExpectDepthwiseMatchesGemm(const Spec& s, const std::vector<int>& shape) {
  SCOPED_TRACE(Text(s) + " input " + ShapeText(shape));
  Blob bottom_direct(shape), bottom_gemm(shape), top_direct, top_gemm;
  FillGaussian(&bottom_direct);
  cpu_copy(bottom_direct.count(), bottom_direct.cpu_data(), bottom_gemm.mutable_cpu_data());
  auto direct = Make(Text(s));
  auto gemm = Make(Text(s));
  dynamic_cast<ConvolutionLayer&>(*gemm).set_allow_depthwise(false);
  Context::set_random_seed(99);  // the fillers run in SetUp
  direct->SetUp({&bottom_direct}, {&top_direct});
  Context::set_random_seed(99);
  gemm->SetUp({&bottom_gemm}, {&top_gemm});
  EXPECT_TRUE(dynamic_cast<ConvolutionLayer&>(*direct).uses_depthwise());
  EXPECT_FALSE(dynamic_cast<ConvolutionLayer&>(*gemm).uses_depthwise());
  direct->Forward({&bottom_direct}, {&top_direct});
  gemm->Forward({&bottom_gemm}, {&top_gemm});
  ExpectNear(DataOf(top_direct), DataOf(top_gemm), "forward");
  FillGaussian(&top_direct);
  cpu_copy(top_direct.count(), top_direct.cpu_data(), top_direct.mutable_cpu_diff());
  cpu_copy(top_direct.count(), top_direct.cpu_data(), top_gemm.mutable_cpu_diff());
  for (auto* l : {direct.get(), gemm.get()})
    for (auto& p : l->blobs()) cpu_set(p->count(), 0.5f, p->mutable_cpu_diff());  // gradients accumulate
  direct->Backward({&top_direct}, {true}, {&bottom_direct});
  gemm->Backward({&top_gemm}, {true}, {&bottom_gemm});
  const auto diff = [](const Blob& b) { return std::vector<float>(b.cpu_diff(), b.cpu_diff() + b.count()); };
  ExpectNear(diff(bottom_direct), diff(bottom_gemm), "bottom diff");
  for (size_t k = 0; k < direct->blobs().size(); ++k)
    ExpectNear(diff(*direct->blobs()[k]), diff(*gemm->blobs()[k]), k == 0 ? "weight diff" : "bias diff");
}

TEST(ConvolutionLayer, DepthwiseMatchesGroupedGemm) {
  Spec mobilenet = Square(8, 3, 1, 1);
  mobilenet.group = 8;
  ExpectDepthwiseMatchesGemm(mobilenet, {3, 8, 9, 11});
  Spec strided = Square(6, 3, 2, 1);
  strided.group = 6;
  ExpectDepthwiseMatchesGemm(strided, {2, 6, 11, 10});
  Spec multiplier = Square(6, 3, 1, 0);  // channel multiplier 2
  multiplier.group = 3;
  ExpectDepthwiseMatchesGemm(multiplier, {2, 3, 7, 8});
  Spec dilated = Square(4, 3, 1, 2);
  dilated.group = 4;
  dilated.dilation_h = 2;
  dilated.dilation_w = 3;
  dilated.bias = false;
  ExpectDepthwiseMatchesGemm(dilated, {2, 4, 8, 9});
  Spec odd = Square(9, 5, 3, 2);  // multiplier 3, kernel wider than the input, stride 3
  odd.kernel_h = 2;
  odd.stride_w = 2;
  odd.pad_h = 0;
  odd.group = 3;
  ExpectDepthwiseMatchesGemm(odd, {2, 3, 5, 4});
  Spec large = Square(2, 3, 1, 1);  // planes longer than one block of the CPU loops (1024 outputs)
  large.group = 2;
  ExpectDepthwiseMatchesGemm(large, {2, 2, 40, 37});
  Spec large_strided = Square(2, 3, 2, 1);
  large_strided.group = 2;
  ExpectDepthwiseMatchesGemm(large_strided, {1, 2, 75, 70});
  Spec one = Square(4, 1, 1, 0);  // 1x1 depthwise: a per-channel scale
  one.group = 4;
  ExpectDepthwiseMatchesGemm(one, {2, 4, 3, 5});
}

// Small planes run stacked, several images of a channel one below the other
// in one tall plane (depthwise_conv.cpp, Plane): about 8192 padded floats a
// stack, so these shapes make stacks of 2 with a last one of 1 image.
TEST(ConvolutionLayer, DepthwiseStackedMatchesGroupedGemm) {
  Spec strided = Square(2, 3, 2, 1);
  strided.group = 2;
  ExpectDepthwiseMatchesGemm(strided, {3, 2, 55, 56});  // padded 57 x 58
  Spec narrow = Square(2, 3, 1, 1);  // stride 1 under 24 wide: the padded path
  narrow.group = 2;
  ExpectDepthwiseMatchesGemm(narrow, {5, 2, 150, 20});
  Spec multiplier = Square(4, 3, 2, 1);  // multiplier 2: both outputs of a stack
  multiplier.group = 2;
  ExpectDepthwiseMatchesGemm(multiplier, {3, 2, 60, 50});
  Spec sparse = Square(4, 1, 3, 0);  // 1x1 stride 3: outputs span more rows than the input plus pad
  sparse.group = 4;
  ExpectDepthwiseMatchesGemm(sparse, {3, 4, 7, 8});
  Spec mobilenet = Square(16, 3, 1, 1);  // 7x7, ten images in one stack
  mobilenet.group = 16;
  ExpectDepthwiseMatchesGemm(mobilenet, {10, 16, 7, 7});
  Spec mobilenet2 = Square(16, 3, 2, 1);
  mobilenet2.group = 16;
  ExpectDepthwiseMatchesGemm(mobilenet2, {10, 16, 14, 14});
  Spec dilated = Square(2, 3, 2, 2);
  dilated.group = 2;
  dilated.dilation_h = 2;
  dilated.stride_w = 1;
  ExpectDepthwiseMatchesGemm(dilated, {4, 2, 9, 10});
}

// Stride 1 with the output plane as large as the input, at least 24 wide:
// the loops read the input in place (no padded copy) and rebuild the border
// rows and columns separately (depthwise_conv.cpp, InPlace).
TEST(ConvolutionLayer, DepthwiseInPlaceMatchesGroupedGemm) {
  Spec mobilenet = Square(3, 3, 1, 1);  // MobileNet's 3x3 pad 1
  mobilenet.group = 3;
  ExpectDepthwiseMatchesGemm(mobilenet, {2, 3, 26, 30});
  ExpectDepthwiseMatchesGemm(mobilenet, {1, 3, 3, 24});  // a single interior row
  Spec large = Square(2, 3, 1, 1);  // interior longer than one block (1024 outputs)
  large.group = 2;
  ExpectDepthwiseMatchesGemm(large, {2, 2, 41, 37});
  Spec multiplier = Square(6, 3, 1, 1);  // forward in place, data gradient through the phases
  multiplier.group = 3;
  ExpectDepthwiseMatchesGemm(multiplier, {2, 3, 9, 25});
  Spec five = Square(2, 5, 1, 2);  // two border rows and columns on each side
  five.group = 2;
  five.bias = false;
  ExpectDepthwiseMatchesGemm(five, {2, 2, 7, 27});
  Spec dilated = Square(2, 3, 1, 2);  // dilation 2 x 3, pad 2 x 3: still the input's size
  dilated.group = 2;
  dilated.dilation_h = 2;
  dilated.dilation_w = 3;
  dilated.pad_w = 3;
  ExpectDepthwiseMatchesGemm(dilated, {2, 2, 8, 29});
  Spec column = Square(4, 3, 1, 1);  // 3x1 kernel: no border columns
  column.group = 4;
  column.kernel_w = 1;
  column.pad_w = 0;
  ExpectDepthwiseMatchesGemm(column, {1, 4, 6, 24});
  Spec row = Square(4, 3, 1, 1);  // 1x3 kernel: no border rows
  row.group = 4;
  row.kernel_h = 1;
  row.pad_h = 0;
  ExpectDepthwiseMatchesGemm(row, {1, 4, 5, 24});
  Spec one = Square(2, 1, 1, 0);  // 1x1: all interior
  one.group = 2;
  ExpectDepthwiseMatchesGemm(one, {2, 2, 3, 24});
  Spec narrow = Square(3, 3, 1, 1);  // 23 wide: the padded path, next to the switch
  narrow.group = 3;
  ExpectDepthwiseMatchesGemm(narrow, {2, 3, 5, 23});
}

TEST(ConvolutionLayer, DepthwiseIsChosenOnlyForGroupEqualToChannels) {
  const auto uses = [](const std::string& param, const std::vector<int>& shape) {
    auto layer = Make("name: 'conv' type: 'Convolution' convolution_param { " + param + " }");
    Blob bottom(shape), top;
    layer->SetUp({&bottom}, {&top});
    return dynamic_cast<ConvolutionLayer&>(*layer).uses_depthwise();
  };
  EXPECT_TRUE(uses("num_output: 4 group: 4 kernel_size: 3", {1, 4, 5, 5}));
  EXPECT_TRUE(uses("num_output: 8 group: 4 kernel_size: 3", {1, 4, 5, 5}));
  EXPECT_FALSE(uses("num_output: 4 group: 2 kernel_size: 3", {1, 4, 5, 5}));
  EXPECT_FALSE(uses("num_output: 4 kernel_size: 3", {1, 1, 5, 5}));  // group 1 == channels 1: a plain gemm
}

TEST(ConvolutionLayer, DepthwiseGradient) {
  Spec s = Square(6, 3, 2, 1);
  s.group = 3;
  GradientCase(s, {2, 3, 5, 6});
  Spec d = Square(2, 3, 1, 2);
  d.group = 2;
  d.dilation_h = d.dilation_w = 2;
  GradientCase(d, {2, 2, 5, 5});
  Spec in_place = Square(2, 3, 1, 1);  // read in place (24 wide, stride 1, same size)
  in_place.group = 2;
  GradientCase(in_place, {1, 2, 4, 24});
}

// ---- GPU (engine: CAFFE: our own im2col + cuBLAS kernels) -------------------
// Tolerance 1e-4 relative (absolute below 1): cuBLAS sums the products in a
// different order from OpenBLAS (and the bias gradient is a tree reduction),
// which moves the last bits of float sums of a few hundred terms.

std::string GpuText(const Spec& s, int bottoms = 1) {
  std::string t = Text(s);
  const std::string open = "convolution_param { ";
  t.replace(t.find(open), open.size(), open + "engine: CAFFE ");
  for (int i = 0; i < bottoms; ++i) {
    t += " bottom: 'in" + std::to_string(i) + "' top: 'out" + std::to_string(i) + "'";
  }
  return t;
}

void ExpectGpuMatchesCpu(const Spec& s, const std::vector<std::vector<int>>& shapes) {
  SCOPED_TRACE(GpuText(s) + " input " + ShapeText(shapes[0]));
  test::GpuCompareOptions options;
  options.tolerance = 1e-4f;
  test::ExpectGpuMatchesCpu(ParseLayer(GpuText(s, static_cast<int>(shapes.size()))), shapes, options);
}

TEST(ConvolutionLayerGpu, MatchesCpuPlain) {
  SKIP_WITHOUT_GPU();
  ExpectGpuMatchesCpu(Square(4, 3, 1, 1), {{3, 3, 7, 9}});
  ExpectGpuMatchesCpu(Square(5, 5, 1, 0), {{2, 2, 13, 11}});
}

TEST(ConvolutionLayerGpu, MatchesCpuGroups) {
  SKIP_WITHOUT_GPU();
  Spec s = Square(6, 3, 1, 1);
  s.group = 2;
  ExpectGpuMatchesCpu(s, {{3, 4, 9, 7}});
  s.group = 3;  // depthwise with a channel multiplier of 2
  s.num_output = 6;
  ExpectGpuMatchesCpu(s, {{2, 3, 5, 6}});
  Spec depthwise = Square(3, 3, 2, 1);
  depthwise.group = 3;
  ExpectGpuMatchesCpu(depthwise, {{2, 3, 9, 11}});
}

TEST(ConvolutionLayerGpu, MatchesCpuDilation) {
  SKIP_WITHOUT_GPU();
  Spec s = Square(3, 3, 1, 2);
  s.dilation_h = s.dilation_w = 2;
  ExpectGpuMatchesCpu(s, {{2, 2, 9, 8}});
  Spec per_axis = Square(3, 3, 2, 1);
  per_axis.dilation_h = 3;
  ExpectGpuMatchesCpu(per_axis, {{2, 2, 11, 7}});
}

TEST(ConvolutionLayerGpu, MatchesCpuPadAndStride) {
  SKIP_WITHOUT_GPU();
  ExpectGpuMatchesCpu(Square(4, 3, 2, 1), {{2, 3, 8, 7}});
  Spec s = Square(4, 5, 3, 2);  // stride larger than a tap step, padding on one axis only
  s.kernel_w = 3;
  s.stride_w = 2;
  s.pad_w = 0;
  ExpectGpuMatchesCpu(s, {{2, 2, 11, 9}});
  // AlexNet conv1's geometry on a small image: 11x11 stride 4.
  ExpectGpuMatchesCpu(Square(3, 11, 4, 0), {{2, 3, 31, 27}});
}

TEST(ConvolutionLayerGpu, MatchesCpuOneByOne) {
  SKIP_WITHOUT_GPU();
  // Small images: chunked, with im2col as a plain reordering.
  ExpectGpuMatchesCpu(Square(3, 1, 1, 0), {{5, 4, 6, 7}});
  // 33x35 = 1155 output columns: one image per step, multiplying the input
  // directly (no im2col, no col2im).
  ExpectGpuMatchesCpu(Square(5, 1, 1, 0), {{3, 4, 33, 35}});
  Spec grouped = Square(4, 1, 1, 0);
  grouped.group = 2;
  ExpectGpuMatchesCpu(grouped, {{2, 4, 33, 35}});
  // A strided 1x1 convolution is not the plain product.
  ExpectGpuMatchesCpu(Square(3, 1, 2, 0), {{2, 4, 9, 9}});
}

TEST(ConvolutionLayerGpu, MatchesCpuNoBias) {
  SKIP_WITHOUT_GPU();
  Spec s = Square(2, 3, 1, 0);
  s.bias = false;
  ExpectGpuMatchesCpu(s, {{2, 2, 5, 7}});
  s.group = 2;
  s.num_output = 4;
  ExpectGpuMatchesCpu(s, {{3, 4, 7, 5}});
}

TEST(ConvolutionLayerGpu, MatchesCpuSingleImageAndSeveralBottoms) {
  SKIP_WITHOUT_GPU();
  // One image: a chunk of one, whose products land in the top directly.
  ExpectGpuMatchesCpu(Square(3, 3, 1, 1), {{1, 3, 9, 11}});
  // Two bottoms share the weights; their gradients add up.
  ExpectGpuMatchesCpu(Square(2, 3, 1, 1), {{2, 2, 5, 7}, {2, 2, 5, 7}});
}

#ifdef CNN_WITH_CUDA
// As CompareWithReference, on the GPU with the images per step capped, so
// small inputs reach the single-image path and a short last chunk.
void CompareGpuWithReference(const Spec& s, std::vector<int> shape, int max_gpu_chunk, int expect_gpu_chunk) {
  SCOPED_TRACE(GpuText(s) + " input " + ShapeText(shape) + " max chunk " + std::to_string(max_gpu_chunk));
  Context::set_random_seed(1234);
  auto layer = Make(GpuText(s));
  auto* conv = dynamic_cast<ConvolutionLayer*>(layer.get());
  ASSERT_NE(conv, nullptr);
  conv->set_max_gpu_chunk(max_gpu_chunk);
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  test::ScopedGpuMode gpu;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(conv->gpu_chunk_size(), expect_gpu_chunk);
  CheckAgainstReference(*layer, bottom, top, s);
}
#endif

TEST(ConvolutionLayerGpu, ChunkSizesMatchReference) {
  SKIP_WITHOUT_GPU();
#ifdef CNN_WITH_CUDA
  Spec s = Square(4, 3, 1, 1);
  CompareGpuWithReference(s, {5, 3, 7, 9}, 0, 5);  // the whole batch in one step
  CompareGpuWithReference(s, {5, 3, 7, 9}, 2, 2);  // steps of 2, 2 and 1 images
  CompareGpuWithReference(s, {5, 3, 7, 9}, 1, 1);  // one image per step, straight into the top
  Spec grouped = Square(6, 3, 2, 1);
  grouped.group = 3;
  CompareGpuWithReference(grouped, {4, 3, 9, 8}, 3, 3);
  CompareGpuWithReference(grouped, {4, 3, 9, 8}, 1, 1);
  // 1x1 with one image per step reads the images as the column matrix.
  CompareGpuWithReference(Square(3, 1, 1, 0), {3, 4, 5, 6}, 1, 1);
  Spec grouped_1x1 = Square(4, 1, 1, 0);
  grouped_1x1.group = 2;
  grouped_1x1.bias = false;
  CompareGpuWithReference(grouped_1x1, {3, 4, 5, 6}, 1, 1);
  CompareGpuWithReference(Square(3, 1, 1, 0), {3, 4, 5, 6}, 2, 2);
  // A large 1x1 convolution takes the direct path by itself.
  CompareGpuWithReference(Square(3, 1, 1, 0), {2, 2, 33, 35}, 0, 1);
#endif
}

TEST(ConvolutionLayerGpu, ParameterGradientsAccumulate) {
  SKIP_WITHOUT_GPU();
  // Backward adds into the parameter diffs: two passes give twice one pass.
  Context::set_random_seed(21);
  const Spec s = Square(3, 3, 1, 1);
  auto layer = Make(GpuText(s));
  Blob bottom(2, 2, 5, 7), top;
  FillGaussian(&bottom);
  test::ScopedGpuMode gpu;
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  FillGaussian(&top);
  cpu_copy(top.count(), top.cpu_data(), top.mutable_cpu_diff());
  for (auto& p : layer->blobs()) cpu_set(p->count(), 0.f, p->mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&bottom});
  std::vector<std::vector<float>> once;
  for (auto& p : layer->blobs()) once.emplace_back(p->cpu_diff(), p->cpu_diff() + p->count());
  const std::vector<float> dx_once(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count());
  layer->Backward({&top}, {true}, {&bottom});
  for (size_t i = 0; i < once.size(); ++i) {
    std::vector<float> twice = once[i];
    for (float& v : twice) v *= 2.f;
    const Blob& p = *layer->blobs()[i];
    ExpectNear(std::vector<float>(p.cpu_diff(), p.cpu_diff() + p.count()), twice, "param diff after two passes");
  }
  // ... while the bottom diff is overwritten.
  ExpectNear(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count()), dx_once,
             "bottom diff after two passes");
}

void GpuGradientCase(const Spec& s, std::vector<int> shape) {
  SCOPED_TRACE(GpuText(s));
  Context::set_random_seed(77);
  auto layer = Make(GpuText(s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  test::ScopedGpuMode gpu;
  CheckGradient(*layer, {&bottom}, {&top});
}

TEST(ConvolutionLayerGpu, DepthwiseMatchesCpu) {
  SKIP_WITHOUT_GPU();
  Spec s = Square(6, 3, 2, 1);
  s.group = 3;
  ExpectGpuMatchesCpu(s, {{2, 3, 9, 8}});
  Spec d = Square(4, 3, 1, 2);
  d.group = 4;
  d.dilation_h = 2;
  d.bias = false;
  ExpectGpuMatchesCpu(d, {{3, 4, 7, 6}});
  Spec mobilenet = Square(32, 3, 1, 1);
  mobilenet.group = 32;
  ExpectGpuMatchesCpu(mobilenet, {{2, 32, 14, 14}});
}

TEST(ConvolutionLayerGpu, DepthwiseGradient) {
  SKIP_WITHOUT_GPU();
  Spec s = Square(6, 3, 2, 1);
  s.group = 3;
  GpuGradientCase(s, {2, 3, 5, 6});
}

TEST(ConvolutionLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  GpuGradientCase(Square(3, 3, 1, 1), {2, 2, 5, 5});
  Spec grouped = Square(4, 3, 2, 1);
  grouped.group = 2;
  GpuGradientCase(grouped, {2, 4, 6, 5});
  Spec dilated = Square(2, 2, 1, 1);
  dilated.dilation_h = dilated.dilation_w = 2;
  GpuGradientCase(dilated, {2, 2, 5, 5});
  GpuGradientCase(Square(3, 1, 1, 0), {2, 3, 4, 4});
  Spec no_bias = Square(2, 3, 2, 0);
  no_bias.bias = false;
  GpuGradientCase(no_bias, {1, 2, 7, 5});
}

}  // namespace
}  // namespace cnn
