#include <cblas.h>
#include <gtest/gtest.h>

#include "cnn/layers/pool/pooling_layer.hpp"
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::FillUniform;
using test::FillValues;
using test::GradientCheckOptions;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& pooling_param, const std::string& extra = "") {
  return LayerRegistry::Create(
      ParseLayer("name: 'pool' type: 'Pooling' pooling_param { " + pooling_param + " } " + extra));
}

// Distinct values (a shuffled 0..n-1, scaled) so a max never ties and a
// gradient-check step never changes which input wins.
void FillPermutation(Blob* blob, unsigned seed) {
  std::vector<float> v(blob->count());
  std::iota(v.begin(), v.end(), 0.f);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  for (auto& x : v) x = x * 0.1f - 1.f;
  FillValues(blob, v);
}

std::vector<float> Iota(int n, float start) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

const std::vector<float> kExample = {1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4};

TEST(PoolingLayer, MaxKnownAnswer) {
  auto layer = Make("pool: MAX kernel_size: 2 stride: 2");
  Blob bottom(1, 1, 4, 4), top;
  FillValues(&bottom, kExample);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{6, 8, 3, 4}));
}

TEST(PoolingLayer, AveKnownAnswer) {
  auto layer = Make("pool: AVE kernel_size: 2 stride: 2");
  Blob bottom(1, 1, 4, 4), top;
  FillValues(&bottom, kExample);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{3.25f, 5.25f, 2, 2}));
}

TEST(PoolingLayer, MaxMaskTopAndBackward) {
  auto layer = Make("pool: MAX kernel_size: 2 stride: 2");
  Blob bottom(1, 1, 4, 4), top, mask;
  FillValues(&bottom, kExample);
  layer->SetUp({&bottom}, {&top, &mask});
  layer->Forward({&bottom}, {&top, &mask});
  // Flat indices into the plane; the 3 at (2, 0) and the tie-free 4 at (3, 3).
  EXPECT_EQ(DataOf(mask), (std::vector<float>{5, 7, 8, 15}));
  FillValues(&top, {10, 20, 30, 40});
  cpu_copy(4, top.cpu_data(), top.mutable_cpu_diff());
  layer->Backward({&top, &mask}, {true}, {&bottom});
  std::vector<float> expected(16, 0.f);
  expected[5] = 10;
  expected[7] = 20;
  expected[8] = 30;
  expected[15] = 40;
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 16), expected);
}

TEST(PoolingLayer, MaxTiesPickTheFirst) {
  auto layer = Make("pool: MAX kernel_size: 2 stride: 2");
  Blob bottom(1, 1, 2, 2), top, mask;
  FillValues(&bottom, {3, 3, 3, 3});
  layer->SetUp({&bottom}, {&top, &mask});
  layer->Forward({&bottom}, {&top, &mask});
  EXPECT_EQ(DataOf(mask), (std::vector<float>{0}));
}

TEST(PoolingLayer, AveDividesByWindowClippedToPaddedInput) {
  // 4x4 of 1..16, 3x3 stride 2, no pad: ceil mode adds windows that overhang
  // the image; they are divided by the part inside (H + pad) x (W + pad).
  Blob bottom(1, 1, 4, 4), top;
  FillValues(&bottom, Iota(16, 1));
  auto layer = Make("pool: AVE kernel_size: 3 stride: 2");
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{54.f / 9, 45.f / 6, 72.f / 6, 54.f / 4}));

  // With pad 1 the padding counts as zeros inside the padded input, but the
  // last window overhangs even that and is clipped.
  auto padded = Make("pool: AVE kernel_size: 3 stride: 2 pad: 1");
  padded->SetUp({&bottom}, {&top});
  padded->Forward({&bottom}, {&top});
  ASSERT_EQ(top.shape(), (std::vector<int>{1, 1, 3, 3}));
  const auto out = DataOf(top);
  EXPECT_FLOAT_EQ(out[0], (1 + 2 + 5 + 6) / 9.f);
  EXPECT_FLOAT_EQ(out[1], (2 + 3 + 4 + 6 + 7 + 8) / 9.f);
  EXPECT_FLOAT_EQ(out[2], (4 + 8) / 6.f);
  EXPECT_FLOAT_EQ(out[8], 16 / 4.f);
}

TEST(PoolingLayer, OutputSizesFollowCaffe) {
  // in, kernel, pad, stride -> ceil-mode size.
  EXPECT_EQ(PoolingLayer::PooledSize(6, 3, 0, 2, true), 3);
  EXPECT_EQ(PoolingLayer::PooledSize(6, 3, 1, 2, true), 4);
  EXPECT_EQ(PoolingLayer::PooledSize(112, 3, 0, 2, true), 56);  // GoogLeNet pool1
  EXPECT_EQ(PoolingLayer::PooledSize(55, 3, 0, 2, true), 27);   // AlexNet pool1
  EXPECT_EQ(PoolingLayer::PooledSize(27, 3, 0, 2, true), 13);   // AlexNet pool2
  EXPECT_EQ(PoolingLayer::PooledSize(28, 3, 1, 1, true), 28);   // inception pool branch
  EXPECT_EQ(PoolingLayer::PooledSize(32, 3, 0, 2, true), 16);   // CIFAR-10 quick pool1 (floor would give 15)
  EXPECT_EQ(PoolingLayer::PooledSize(24, 2, 0, 2, true), 12);   // LeNet pool1
  // A window that would start in the padding is dropped.
  EXPECT_EQ(PoolingLayer::PooledSize(5, 2, 1, 2, true), 3);
  // FLOOR.
  EXPECT_EQ(PoolingLayer::PooledSize(6, 3, 0, 2, false), 2);
  EXPECT_EQ(PoolingLayer::PooledSize(32, 3, 0, 2, false), 15);
  EXPECT_EQ(PoolingLayer::PooledSize(6, 3, 1, 2, false), 3);

  struct Case {
    std::string param;
    int h, w, ph, pw;
  };
  const std::vector<Case> cases = {
      {"kernel_size: 3 stride: 2", 6, 6, 3, 3},
      {"kernel_size: 3 stride: 2 pad: 1", 6, 6, 4, 4},
      {"kernel_size: 3 stride: 2 round_mode: FLOOR", 6, 6, 2, 2},
      {"kernel_size: 3 stride: 2", 112, 112, 56, 56},
      {"kernel_size: 3 stride: 2", 55, 55, 27, 27},
      {"kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0", 7, 5, 4, 4},
      {"pool: AVE global_pooling: true", 7, 5, 1, 1},
  };
  for (const auto& c : cases) {
    auto layer = Make(c.param);
    Blob bottom(2, 3, c.h, c.w), top;
    layer->SetUp({&bottom}, {&top});
    EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, c.ph, c.pw})) << c.param;
  }
}

TEST(PoolingLayer, FloorModeDropsPartialWindows) {
  Blob bottom(1, 1, 4, 4), top;
  FillValues(&bottom, Iota(16, 1));
  auto layer = Make("pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR");
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{11}));
}

TEST(PoolingLayer, GlobalPooling) {
  Blob bottom(2, 2, 3, 2), top;
  FillValues(&bottom, Iota(24, 0));
  auto max = Make("pool: MAX global_pooling: true");
  max->SetUp({&bottom}, {&top});
  max->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 2, 1, 1}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{5, 11, 17, 23}));
  auto ave = Make("pool: AVE global_pooling: true");
  ave->SetUp({&bottom}, {&top});
  ave->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{2.5f, 8.5f, 14.5f, 20.5f}));
  // The window follows the input when it is reshaped.
  bottom.Reshape(1, 1, 2, 2);
  FillValues(&bottom, {1, 2, 3, 6});
  ave->Forward({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{3}));
}

void GradientCase(const std::string& param, std::vector<int> shape, const std::string& extra = "") {
  SCOPED_TRACE(param);
  auto layer = Make(param, extra);
  Blob bottom(shape), top;
  FillPermutation(&bottom, 42);
  GradientCheckOptions opt;
  opt.step = 1e-2f;
  CheckGradient(*layer, {&bottom}, {&top}, opt);
}

TEST(PoolingLayer, MaxGradient) {
  GradientCase("pool: MAX kernel_size: 2 stride: 2", {2, 2, 4, 4});
  GradientCase("pool: MAX kernel_size: 3 stride: 2", {2, 2, 6, 5});  // overlapping, ceil mode
  GradientCase("pool: MAX kernel_size: 3 stride: 2 pad: 1", {1, 2, 6, 6});
  GradientCase("pool: MAX kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0", {1, 2, 5, 5});
  GradientCase("pool: MAX global_pooling: true", {2, 3, 3, 4});
}

TEST(PoolingLayer, AveGradient) {
  GradientCase("pool: AVE kernel_size: 2 stride: 2", {2, 2, 4, 4});
  GradientCase("pool: AVE kernel_size: 3 stride: 2", {2, 2, 6, 5});
  GradientCase("pool: AVE kernel_size: 3 stride: 2 pad: 1", {1, 2, 6, 6});
  GradientCase("pool: AVE kernel_size: 3 stride: 1 pad: 1", {1, 2, 4, 5});
  GradientCase("pool: AVE kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 pad_w: 1 pad_h: 1", {1, 2, 5, 5});
  GradientCase("pool: AVE global_pooling: true", {2, 3, 3, 4});
}

TEST(PoolingLayer, StochasticTestPhaseIsTheExpectedSample) {
  auto layer = Make("pool: STOCHASTIC kernel_size: 2 stride: 2", "phase: TEST");
  Blob bottom(1, 1, 2, 4), top;
  FillValues(&bottom, {1, 0, 0, 0, 0, 3, 0, 0});
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  // sum(x^2) / sum(x); an all-zero window gives 0.
  EXPECT_EQ(DataOf(top), (std::vector<float>{10.f / 4.f, 0.f}));
  // Its gradient, on positive inputs.
  auto check = Make("pool: STOCHASTIC kernel_size: 3 stride: 2", "phase: TEST");
  Blob positive(1, 2, 5, 5), out;
  Context::set_random_seed(3);
  FillUniform(&positive, 0.5f, 2.f);
  CheckGradient(*check, {&positive}, {&out});
}

TEST(PoolingLayer, StochasticTrainSamplesByActivation) {
  Context::set_random_seed(2024);
  auto layer = Make("pool: STOCHASTIC kernel_size: 2 stride: 2", "phase: TRAIN");
  const int planes = 4000;
  Blob bottom(1, planes, 2, 2), top;
  std::vector<float> v;
  for (int p = 0; p < planes; ++p) v.insert(v.end(), {1, 0, 0, 3});
  FillValues(&bottom, v);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const auto out = DataOf(top);
  int threes = 0;
  for (float x : out) {
    ASSERT_TRUE(x == 1.f || x == 3.f) << x;  // a zero has probability 0
    threes += x == 3.f;
  }
  EXPECT_NEAR(threes / static_cast<double>(planes), 0.75, 0.03);

  // The gradient flows to the sampled input only.
  for (int i = 0; i < top.count(); ++i) top.mutable_cpu_diff()[i] = static_cast<float>(i + 1);
  layer->Backward({&top}, {true}, {&bottom});
  for (int p = 0; p < planes; ++p) {
    const float* d = bottom.cpu_diff() + 4 * p;
    const int chosen = out[p] == 3.f ? 3 : 0;
    for (int j = 0; j < 4; ++j) ASSERT_EQ(d[j], j == chosen ? p + 1.f : 0.f) << "plane " << p;
  }

  // The same seed draws the same samples.
  Context::set_random_seed(2024);
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), out);
}

// Forward and backward outputs of a layer on a fixed input.
std::pair<std::vector<float>, std::vector<float>> RunOnce(const std::string& param, const std::string& extra,
                                                          Blob* bottom) {
  auto layer = Make(param, extra);
  Blob top;
  layer->SetUp({bottom}, {&top});
  Context::set_random_seed(5);
  layer->Forward({bottom}, {&top});
  for (int i = 0; i < top.count(); ++i) top.mutable_cpu_diff()[i] = static_cast<float>(i % 7) - 3.f;
  layer->Backward({&top}, {true}, {bottom});
  return {DataOf(top), std::vector<float>(bottom->cpu_diff(), bottom->cpu_diff() + bottom->count())};
}

TEST(PoolingLayer, ParallelLoopsMatchSerial) {
#ifndef _OPENMP
  GTEST_SKIP() << "built without OpenMP";
#else
  Blob bottom(2, 16, 33, 32);  // above the size where loops go parallel
  FillPermutation(&bottom, 8);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"pool: MAX kernel_size: 3 stride: 2 pad: 1", ""},
      {"pool: AVE kernel_size: 3 stride: 2 pad: 1", ""},
      {"pool: STOCHASTIC kernel_size: 3 stride: 2", "phase: TRAIN"},
      {"pool: STOCHASTIC kernel_size: 3 stride: 2", "phase: TEST"},
  };
  // Stochastic pooling needs non-negative inputs.
  for (int i = 0; i < bottom.count(); ++i) bottom.mutable_cpu_data()[i] += 1.f;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.first + " " + c.second);
    const auto serial = RunOnce(c.first, c.second, &bottom);
    // Two OpenMP threads beside a single-threaded OpenBLAS turn the parallel loops on.
    const int blas_threads = openblas_get_num_threads(), omp_threads = omp_get_max_threads();
    openblas_set_num_threads(1);
    omp_set_num_threads(2);
    EXPECT_TRUE(ParallelLoopPays(bottom.count()));
    const auto parallel = RunOnce(c.first, c.second, &bottom);
    openblas_set_num_threads(blas_threads);
    omp_set_num_threads(omp_threads);
    EXPECT_EQ(parallel.first, serial.first);
    EXPECT_EQ(parallel.second, serial.second);
  }
#endif
}

void ExpectSetUpError(const std::string& param, std::vector<int> shape, const std::vector<std::string>& parts,
                      int tops = 1) {
  try {
    auto layer = Make(param);
    Blob bottom(shape), t0, t1, t2;
    std::vector<Blob*> top = {&t0, &t1, &t2};
    top.resize(tops);
    layer->SetUp({&bottom}, top);
    FAIL() << "no error for " << param;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'pool' (Pooling): "), std::string::npos) << msg;
    for (const auto& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  }
}

TEST(PoolingLayer, BadParametersAreErrors) {
  ExpectSetUpError("kernel_size: 5", {1, 1, 3, 3}, {"kernel 5x5", "padded input 3x3"});
  ExpectSetUpError("kernel_size: 3 stride: 2", {1, 3, 3}, {"4-D"});
  ExpectSetUpError("stride: 2", {1, 1, 4, 4}, {"kernel_size"});
  ExpectSetUpError("kernel_h: 2 stride: 2", {1, 1, 4, 4}, {"kernel_w"});
  ExpectSetUpError("global_pooling: true kernel_size: 2", {1, 1, 4, 4}, {"global_pooling"});
  ExpectSetUpError("global_pooling: true stride: 2", {1, 1, 4, 4}, {"stride"});
  ExpectSetUpError("kernel_size: 2 pad: 2", {1, 1, 4, 4}, {"pad 2x2", "kernel 2x2"});
  ExpectSetUpError("pool: STOCHASTIC kernel_size: 3 pad: 1", {1, 1, 4, 4}, {"STOCHASTIC"});
  ExpectSetUpError("pool: AVE kernel_size: 2", {1, 1, 4, 4}, {"at most 1 top"}, 2);
  ExpectSetUpError("kernel_size: 2 stride: 0", {1, 1, 4, 4}, {"stride"});
  ExpectSetUpError("kernel_size: 3 pad_h: 1", {1, 1, 4, 4}, {"pad_w"});
}

// Regression (reliability issue, item 1): a window of only NaN or -inf left
// the argmax at -1, and backward wrote in front of the diff buffer.
// With `mask`, the argmax top is checked too (and a cuDNN build then runs
// our kernel); without it, a GPU run goes through cuDNN.
void ExpectNonFiniteWindowsRouteToARealTap(bool mask) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Blob bottom(1, 1, 2, 6), top, argmax;
  // Windows (2x2, stride 2): all NaN | all -inf | NaN among numbers.
  FillValues(&bottom, {nan, nan, -inf, -inf, 1, nan,  //
                       nan, nan, -inf, -inf, 5, 2});
  auto layer = Make("pool: MAX kernel_size: 2 stride: 2");
  BlobVec tops = {&top};
  if (mask) tops.push_back(&argmax);
  layer->SetUp({&bottom}, tops);
  layer->Forward({&bottom}, tops);
  const std::vector<float> y = DataOf(top);
  ASSERT_EQ(y.size(), 3u);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2])) << "a NaN in a window propagates";
  if (mask) EXPECT_EQ(DataOf(argmax), (std::vector<float>{0, 2, 5}));
  FillValues(&top, {10, 20, 30});
  cpu_copy(3, top.cpu_data(), top.mutable_cpu_diff());
  layer->Backward(tops, {true}, {&bottom});
  std::vector<float> expected(12, 0.f);
  expected[0] = 10;
  expected[2] = 20;
  expected[5] = 30;
  EXPECT_EQ(std::vector<float>(bottom.cpu_diff(), bottom.cpu_diff() + 12), expected);
}

// The CPU MAX forward reduces rows, then columns of rows. This checks it
// against one row-major scan per window on inputs made to tie often and to
// hold NaN and -inf, over geometries with clipped, overhanging and whole
// windows: the same maximum and the same (first) winning tap everywhere.
// Geometries with windows clipped by the border, overhanging it (ceil mode),
// wholly inside, strides 1, 2 and 3, and kernels larger than the input.
struct PoolGeometry {
  int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, height, width;
  std::string Param(const std::string& method) const {
    return "pool: " + method + " kernel_h: " + std::to_string(kernel_h) + " kernel_w: " + std::to_string(kernel_w) +
           " stride_h: " + std::to_string(stride_h) + " stride_w: " + std::to_string(stride_w) +
           " pad_h: " + std::to_string(pad_h) + " pad_w: " + std::to_string(pad_w);
  }
};
const std::vector<PoolGeometry> kGeometries = {
    {3, 3, 2, 2, 0, 0, 11, 13}, {3, 3, 2, 2, 1, 1, 12, 12}, {2, 2, 2, 2, 0, 0, 9, 7},
    {3, 2, 1, 3, 1, 1, 6, 10},  {5, 5, 3, 3, 2, 2, 8, 9},   {1, 4, 1, 2, 0, 3, 5, 5},
    {4, 4, 1, 1, 3, 3, 2, 3},   {3, 3, 3, 3, 0, 0, 3, 3},   {3, 3, 1, 1, 1, 1, 7, 20},
    // 2x2/2 tiling the input exactly (its own loop).
    {2, 2, 2, 2, 0, 0, 8, 12},  {2, 2, 2, 2, 0, 0, 2, 34}};

TEST(PoolingLayer, MaxEqualsAWindowScanOnTiesAndNonFinites) {
  std::mt19937 rng(7);
  for (const PoolGeometry& g : kGeometries) {
    const std::string param = g.Param("MAX");
    SCOPED_TRACE(param + " on " + std::to_string(g.height) + "x" + std::to_string(g.width));
    auto layer = Make(param);
    Blob bottom(2, 3, g.height, g.width), top, mask;
    std::vector<float> x(bottom.count());
    std::uniform_int_distribution<int> pick(0, 19);
    for (float& v : x) {
      const int r = pick(rng);
      v = r == 0 ? std::numeric_limits<float>::quiet_NaN()
                 : r == 1 ? -std::numeric_limits<float>::infinity() : static_cast<float>(r % 4);
    }
    FillValues(&bottom, x);
    layer->SetUp({&bottom}, {&top, &mask});
    layer->Forward({&bottom}, {&top, &mask});
    const int PH = top.shape(2), PW = top.shape(3), H = g.height, W = g.width;
    for (int p = 0; p < 6; ++p) {
      const float* xp = x.data() + p * H * W;
      for (int ph = 0; ph < PH; ++ph) {
        for (int pw = 0; pw < PW; ++pw) {
          const int h0 = std::max(ph * g.stride_h - g.pad_h, 0), h1 = std::min(ph * g.stride_h - g.pad_h + g.kernel_h, H);
          const int w0 = std::max(pw * g.stride_w - g.pad_w, 0), w1 = std::min(pw * g.stride_w - g.pad_w + g.kernel_w, W);
          int arg = h0 * W + w0;
          for (int h = h0; h < h1; ++h) {
            for (int w = w0; w < w1; ++w) {
              const float v = xp[h * W + w], best = xp[arg];
              if (v > best || (std::isnan(v) && !std::isnan(best))) arg = h * W + w;
            }
          }
          const int o = (p * PH + ph) * PW + pw;
          ASSERT_EQ(static_cast<int>(mask.cpu_data()[o]), arg) << "plane " << p << " window " << ph << "," << pw;
          const float y = top.cpu_data()[o];
          if (std::isnan(xp[arg])) {
            EXPECT_TRUE(std::isnan(y));
          } else {
            EXPECT_EQ(y, xp[arg]);
          }
        }
      }
    }
  }
}

// AVE's forward and backward passes against one sum per window and one
// scatter per window, on the same geometries.
TEST(PoolingLayer, AveEqualsAWindowSumAndScatter) {
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> value(-1.f, 1.f);
  for (const PoolGeometry& g : kGeometries) {
    const std::string param = g.Param("AVE");
    SCOPED_TRACE(param + " on " + std::to_string(g.height) + "x" + std::to_string(g.width));
    auto layer = Make(param);
    Blob bottom(2, 3, g.height, g.width), top;
    layer->SetUp({&bottom}, {&top});
    std::vector<float> x(bottom.count()), dy(top.count());
    for (float& v : x) v = value(rng);
    for (float& v : dy) v = value(rng);
    FillValues(&bottom, x);
    layer->Forward({&bottom}, {&top});
    std::copy(dy.begin(), dy.end(), top.mutable_cpu_diff());
    layer->Backward({&top}, {true}, {&bottom});
    const int PH = top.shape(2), PW = top.shape(3), H = g.height, W = g.width;
    std::vector<double> dx(x.size(), 0.0);
    for (int p = 0; p < 6; ++p) {
      for (int ph = 0; ph < PH; ++ph) {
        for (int pw = 0; pw < PW; ++pw) {
          const int hstart = ph * g.stride_h - g.pad_h, wstart = pw * g.stride_w - g.pad_w;
          const int hend = std::min(hstart + g.kernel_h, H + g.pad_h), wend = std::min(wstart + g.kernel_w, W + g.pad_w);
          const int divisor = (hend - hstart) * (wend - wstart);
          double sum = 0;
          const int o = (p * PH + ph) * PW + pw;
          for (int h = std::max(hstart, 0); h < std::min(hend, H); ++h) {
            for (int w = std::max(wstart, 0); w < std::min(wend, W); ++w) {
              sum += x[(p * H + h) * W + w];
              dx[(p * H + h) * W + w] += static_cast<double>(dy[o]) / divisor;
            }
          }
          EXPECT_NEAR(top.cpu_data()[o], sum / divisor, 1e-6) << "plane " << p << " window " << ph << "," << pw;
        }
      }
    }
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(bottom.cpu_diff()[i], dx[i], 1e-6) << "input " << i;
  }
}

TEST(PoolingLayer, NonFiniteWindowsRouteToARealTap) {
  ExpectNonFiniteWindowsRouteToARealTap(true);
  ExpectNonFiniteWindowsRouteToARealTap(false);
}

// Regression (reliability issue, item 2): with a stride larger than the
// kernel, ceil mode added a window wholly outside the input (Caffe's size
// rule), whose max had no tap.
TEST(PoolingLayer, NoWindowLiesOutsideTheInput) {
  EXPECT_EQ(PoolingLayer::PooledSize(2, 1, 0, 3, true), 1);
  EXPECT_EQ(PoolingLayer::PooledSize(7, 2, 0, 5, true), 2);  // starts 0 and 5: both inside
  EXPECT_EQ(PoolingLayer::PooledSize(5, 2, 0, 5, true), 1);  // a second would start at 5
  for (const char* method : {"MAX", "AVE", "STOCHASTIC"}) {
    SCOPED_TRACE(method);
    auto layer = Make(std::string("pool: ") + method + " kernel_size: 1 stride: 3");
    Blob bottom(1, 1, 2, 2), top;
    FillValues(&bottom, {1, 2, 3, 4});
    layer->SetUp({&bottom}, {&top});
    EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 1, 1}));
    layer->Forward({&bottom}, {&top});
    EXPECT_EQ(DataOf(top), (std::vector<float>{1}));
  }
}

// ---- GPU (engine: CAFFE) ----------------------------------------------------
// MAX and AVE do the CPU's arithmetic in the CPU's order (the backward passes
// gather, visiting a pixel's windows in the order the CPU scatters into it),
// so 1e-6 only absorbs a compiler's freedom to contract; STOCHASTIC in TEST
// sums squares, which the GPU compiler may fuse into FMAs: 1e-5.

LayerParameter GpuParam(const std::string& pooling_param, const std::string& extra = "", int tops = 1) {
  return ParseLayer("name: 'pool' type: 'Pooling' bottom: 'x' top: 'y' " +
                    std::string(tops > 1 ? "top: 'mask' " : "") + "pooling_param { engine: CAFFE " +
                    pooling_param + " } " + extra);
}

std::unique_ptr<Layer> MakeGpu(const std::string& pooling_param, const std::string& extra = "") {
  return LayerRegistry::Create(GpuParam(pooling_param, extra));
}

// Geometries with every edge rule: ceil-mode windows overhanging the image,
// padding, a window dropped for starting in the padding, FLOOR, strides
// larger than the kernel (pixels in no window), rectangular everything, global.
const std::vector<std::pair<std::string, std::vector<int>>>& GpuGeometries() {
  static const std::vector<std::pair<std::string, std::vector<int>>> cases = {
      {"kernel_size: 2 stride: 2", {2, 3, 8, 6}},
      {"kernel_size: 3 stride: 2", {2, 3, 9, 8}},
      {"kernel_size: 3 stride: 2 pad: 1", {2, 3, 9, 10}},
      {"kernel_size: 3 stride: 1 pad: 1", {1, 2, 7, 5}},
      {"kernel_size: 2 stride: 2 pad: 1", {1, 2, 5, 5}},
      {"kernel_size: 3 stride: 2 round_mode: FLOOR", {2, 2, 7, 8}},
      {"kernel_size: 2 stride: 3", {2, 2, 10, 11}},
      {"kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0", {2, 2, 7, 5}},
      {"kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 1", {1, 3, 6, 9}},
      {"global_pooling: true", {2, 3, 7, 5}},
  };
  return cases;
}

TEST(PoolingLayerGpu, MatchesCpuMax) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions options;
  options.tolerance = 1e-6f;
  for (const auto& c : GpuGeometries()) {
    SCOPED_TRACE(c.first);
    test::ExpectGpuMatchesCpu(GpuParam("pool: MAX " + c.first), {c.second}, options);
    // With the argmax top.
    test::ExpectGpuMatchesCpu(GpuParam("pool: MAX " + c.first, "", 2), {c.second}, options);
  }
}

TEST(PoolingLayerGpu, MatchesCpuMaxWithTies) {
  SKIP_WITHOUT_GPU();
  // Rounded inputs tie often: both sides must pick (and route the gradient
  // to) the first maximum of each window.
  test::GpuCompareOptions options;
  options.tolerance = 1e-6f;
  options.fill = [](int, Blob* b) {
    FillUniform(b, 0.f, 3.f);
    float* x = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) x[i] = static_cast<float>(static_cast<int>(x[i]));
  };
  test::ExpectGpuMatchesCpu(GpuParam("pool: MAX kernel_size: 3 stride: 2 pad: 1", "", 2), {{2, 3, 9, 7}}, options);
}

TEST(PoolingLayerGpu, MatchesCpuAve) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions options;
  options.tolerance = 1e-6f;
  for (const auto& c : GpuGeometries()) {
    SCOPED_TRACE(c.first);
    test::ExpectGpuMatchesCpu(GpuParam("pool: AVE " + c.first), {c.second}, options);
  }
}

TEST(PoolingLayerGpu, MatchesCpuStochasticTest) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions options;
  options.tolerance = 1e-5f;
  // Non-negative, with exact zeros so that some windows sum to 0.
  options.fill = [](int, Blob* b) {
    test::FillGaussian(b);
    float* x = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) x[i] = std::max(x[i], 0.f);
  };
  for (const std::string geometry : {"kernel_size: 2 stride: 2", "kernel_size: 3 stride: 2", "kernel_size: 2 stride: 3",
                                     "kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2", "global_pooling: true"}) {
    SCOPED_TRACE(geometry);
    test::ExpectGpuMatchesCpu(GpuParam("pool: STOCHASTIC " + geometry, "phase: TEST"), {{2, 3, 9, 8}}, options);
  }
}

TEST(PoolingLayerGpu, StochasticTrainSamplesByActivation) {
  SKIP_WITHOUT_GPU();
  // The GPU draws its own random numbers, so it cannot match the CPU sample
  // for sample: check what a sample must satisfy instead.
  test::ScopedGpuMode gpu;
  Context::set_random_seed(2024);
  auto layer = MakeGpu("pool: STOCHASTIC kernel_size: 2 stride: 2", "phase: TRAIN");
  const int planes = 4000;
  Blob bottom(1, planes, 2, 2), top;
  std::vector<float> v;
  for (int p = 0; p < planes; ++p) v.insert(v.end(), {1, 0, 0, 3});
  FillValues(&bottom, v);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  const auto out = DataOf(top);
  int threes = 0;
  for (float x : out) {
    ASSERT_TRUE(x == 1.f || x == 3.f) << x;  // a zero has probability 0
    threes += x == 3.f;
  }
  EXPECT_NEAR(threes / static_cast<double>(planes), 0.75, 0.03);

  // The gradient flows to the sampled input only.
  for (int i = 0; i < top.count(); ++i) top.mutable_cpu_diff()[i] = static_cast<float>(i + 1);
  layer->Backward({&top}, {true}, {&bottom});
  for (int p = 0; p < planes; ++p) {
    const float* d = bottom.cpu_diff() + 4 * p;
    const int chosen = out[p] == 3.f ? 3 : 0;
    for (int j = 0; j < 4; ++j) ASSERT_EQ(d[j], j == chosen ? p + 1.f : 0.f) << "plane " << p;
  }

  // The same seed draws the same samples.
  Context::set_random_seed(2024);
  layer->Forward({&bottom}, {&top});
  EXPECT_EQ(DataOf(top), out);
}

TEST(PoolingLayerGpu, StochasticTrainPicksFromTheWindow) {
  SKIP_WITHOUT_GPU();
  // Overlapping, ceil-mode windows: every output is a positive value of its
  // own window, and each input's gradient is the sum of the top gradients of
  // the outputs that picked it.
  test::ScopedGpuMode gpu;
  Context::set_random_seed(99);
  auto layer = MakeGpu("pool: STOCHASTIC kernel_size: 3 stride: 2", "phase: TRAIN");
  Blob bottom(2, 3, 9, 8), top;
  // Distinct positive values, so a pick is identified by its value.
  FillPermutation(&bottom, 17);
  for (int i = 0; i < bottom.count(); ++i) bottom.mutable_cpu_data()[i] += 2.f;
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  ASSERT_EQ(top.shape(), (std::vector<int>{2, 3, 4, 4}));
  for (int i = 0; i < top.count(); ++i) top.mutable_cpu_diff()[i] = 1.f;
  layer->Backward({&top}, {true}, {&bottom});
  const float* x = bottom.cpu_data();
  const float* y = top.cpu_data();
  const float* dx = bottom.cpu_diff();
  for (int p = 0; p < 6; ++p) {
    std::vector<float> picks(9 * 8, 0.f);
    for (int ph = 0; ph < 4; ++ph) {
      for (int pw = 0; pw < 4; ++pw) {
        const float v = y[(p * 4 + ph) * 4 + pw];
        int found = -1;
        for (int h = ph * 2; h < std::min(ph * 2 + 3, 9) && found < 0; ++h)
          for (int w = pw * 2; w < std::min(pw * 2 + 3, 8); ++w)
            if (x[(p * 9 + h) * 8 + w] == v) {
              found = h * 8 + w;
              break;
            }
        ASSERT_GE(found, 0) << "output " << v << " not in its window (plane " << p << ")";
        picks[found] += 1.f;
      }
    }
    for (int i = 0; i < 9 * 8; ++i) EXPECT_EQ(dx[p * 72 + i], picks[i]) << "plane " << p << " input " << i;
  }
}

void GpuGradientCase(const std::string& param, std::vector<int> shape, const std::string& extra = "") {
  SCOPED_TRACE(param);
  auto layer = MakeGpu(param, extra);
  Blob bottom(shape), top;
  FillPermutation(&bottom, 42);
  test::ScopedGpuMode gpu;
  GradientCheckOptions opt;
  opt.step = 1e-2f;
  CheckGradient(*layer, {&bottom}, {&top}, opt);
}

TEST(PoolingLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  GpuGradientCase("pool: MAX kernel_size: 3 stride: 2", {2, 2, 6, 5});
  GpuGradientCase("pool: MAX kernel_size: 3 stride: 2 pad: 1", {1, 2, 6, 7});
  GpuGradientCase("pool: MAX kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0", {1, 2, 5, 5});
  GpuGradientCase("pool: MAX global_pooling: true", {2, 3, 3, 4});
  GpuGradientCase("pool: AVE kernel_size: 3 stride: 2", {2, 2, 6, 5});
  GpuGradientCase("pool: AVE kernel_size: 3 stride: 2 pad: 1", {1, 2, 6, 7});
  GpuGradientCase("pool: AVE kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 pad_w: 1 pad_h: 1", {1, 2, 5, 5});
  GpuGradientCase("pool: AVE global_pooling: true", {2, 3, 3, 4});

  auto stochastic = MakeGpu("pool: STOCHASTIC kernel_size: 3 stride: 2", "phase: TEST");
  Blob positive(1, 2, 5, 7), out;
  Context::set_random_seed(3);
  FillUniform(&positive, 0.5f, 2.f);
  test::ScopedGpuMode gpu;
  CheckGradient(*stochastic, {&positive}, {&out});
}

TEST(PoolingLayerGpu, NonFiniteWindowsRouteToARealTap) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  ExpectNonFiniteWindowsRouteToARealTap(true);
  ExpectNonFiniteWindowsRouteToARealTap(false);
}

}  // namespace
}  // namespace cnn
