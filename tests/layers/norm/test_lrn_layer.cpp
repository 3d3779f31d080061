#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::ParseLayer;

// Our own kernels (engine: CAFFE): the oneDNN layer's tests are in tests/layers/dnnl/.
std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "norm" type: "LRN" lrn_param { engine: CAFFE )" + param + " }"));
}


struct LrnSpec {
  int size = 5;
  double alpha = 1, beta = 0.75, k = 1;
  bool within = false;
};

// The definition, element by element, in double precision.
std::vector<float> Reference(const Blob& x, const LrnSpec& s) {
  const int N = x.num(), C = x.channels(), H = x.height(), W = x.width();
  const int p = (s.size - 1) / 2;
  std::vector<float> out(x.count());
  for (int n = 0; n < N; ++n) {
    for (int c = 0; c < C; ++c) {
      for (int h = 0; h < H; ++h) {
        for (int w = 0; w < W; ++w) {
          double sum = 0;
          double scale;
          if (!s.within) {
            for (int cc = c - p; cc <= c + p; ++cc) {
              if (cc < 0 || cc >= C) continue;
              const double v = x.data_at(n, cc, h, w);
              sum += v * v;
            }
            scale = s.k + s.alpha / s.size * sum;
          } else {
            for (int hh = h - p; hh <= h + p; ++hh) {
              for (int ww = w - p; ww <= w + p; ++ww) {
                if (hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
                const double v = x.data_at(n, c, hh, ww);
                sum += v * v;
              }
            }
            scale = 1 + s.alpha / (s.size * s.size) * sum;
          }
          out[x.offset(n, c, h, w)] = static_cast<float>(x.data_at(n, c, h, w) * std::pow(scale, -s.beta));
        }
      }
    }
  }
  return out;
}

std::string ParamText(const LrnSpec& s) {
  return "local_size: " + std::to_string(s.size) + " alpha: " + std::to_string(s.alpha) +
         " beta: " + std::to_string(s.beta) + " k: " + std::to_string(s.k) +
         (s.within ? " norm_region: WITHIN_CHANNEL" : " norm_region: ACROSS_CHANNELS");
}

void ExpectMatchesReference(const std::vector<int>& shape, const LrnSpec& spec, float stddev = 1.f) {
  Context::set_random_seed(1701);
  Blob x(shape), y;
  FillGaussian(&x, stddev);
  auto layer = Make(ParamText(spec));
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  ASSERT_EQ(y.shape(), x.shape());
  const auto ref = Reference(x, spec);
  for (int i = 0; i < y.count(); ++i) {
    ASSERT_NEAR(y.cpu_data()[i], ref[i], 1e-5 * std::max(1.f, std::fabs(ref[i]))) << "element " << i;
  }
}

TEST(LRNLayer, DefaultsAreCaffes) {
  // local_size 5, alpha 1, beta 0.75, k 1, across channels.
  Context::set_random_seed(1701);
  Blob x(2, 7, 3, 3), y;
  FillGaussian(&x);
  auto layer = LayerRegistry::Create(ParseLayer(R"(name: "norm" type: "LRN")"));
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const auto ref = Reference(x, LrnSpec());
  for (int i = 0; i < y.count(); ++i) ASSERT_NEAR(y.cpu_data()[i], ref[i], 1e-5) << "element " << i;
}

TEST(LRNLayer, AcrossChannelsMatchesReference) {
  LrnSpec s;
  s.size = 3;
  s.alpha = 0.5;
  s.k = 2;
  ExpectMatchesReference({2, 7, 3, 4}, s);
  s.size = 5;
  s.beta = 0.6;  // the general power path
  ExpectMatchesReference({2, 7, 3, 4}, s);
}

TEST(LRNLayer, AcrossChannelsWindowWiderThanChannels) {
  LrnSpec s;
  s.size = 9;
  ExpectMatchesReference({1, 3, 2, 2}, s);
}

TEST(LRNLayer, AcrossChannelsSlidingWindowStaysAccurate) {
  // Many channels of very different magnitudes: the running sum adds and
  // drops planes 60 times without drifting from the direct sum.
  LrnSpec s;
  s.alpha = 1e-2;
  Context::set_random_seed(3);
  Blob x(1, 64, 2, 3), y;
  FillGaussian(&x);
  for (int c = 0; c < 64; c += 7)
    for (int i = 0; i < 6; ++i) x.mutable_cpu_data()[c * 6 + i] *= 100.f;
  auto layer = Make(ParamText(s));
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const auto ref = Reference(x, s);
  for (int i = 0; i < y.count(); ++i)
    ASSERT_NEAR(y.cpu_data()[i], ref[i], 1e-4 * std::max(1.f, std::fabs(ref[i]))) << "element " << i;
}

TEST(LRNLayer, WithinChannelMatchesReference) {
  LrnSpec s;
  s.within = true;
  s.size = 3;
  s.alpha = 2;
  s.k = 5;  // ignored within a channel, as in Caffe
  ExpectMatchesReference({2, 2, 4, 6}, s);
  s.size = 5;
  s.beta = 0.6;
  ExpectMatchesReference({2, 2, 4, 6}, s);
  s.size = 7;  // window larger than the plane
  ExpectMatchesReference({1, 2, 3, 2}, s);
}

TEST(LRNLayer, GradientAcrossChannels) {
  for (int size : {3, 5}) {
    SCOPED_TRACE("local_size " + std::to_string(size));
    Context::set_random_seed(1701 + size);
    Blob x(2, 7, 3, 3), y;
    FillGaussian(&x);
    LrnSpec s;
    s.size = size;
    auto layer = Make(ParamText(s));
    CheckGradient(*layer, {&x}, {&y});
  }
}

TEST(LRNLayer, GradientAcrossChannelsGeneralBeta) {
  Context::set_random_seed(1702);
  Blob x(2, 5, 2, 3), y;
  FillGaussian(&x);
  LrnSpec s;
  s.size = 3;
  s.beta = 0.6;
  s.alpha = 0.7;
  s.k = 1.5;
  auto layer = Make(ParamText(s));
  CheckGradient(*layer, {&x}, {&y});
}

TEST(LRNLayer, GradientWithinChannel) {
  for (int size : {3, 5}) {
    SCOPED_TRACE("local_size " + std::to_string(size));
    Context::set_random_seed(1703 + size);
    Blob x(2, 2, 4, 5), y;
    FillGaussian(&x);
    LrnSpec s;
    s.within = true;
    s.size = size;
    s.alpha = 3;
    auto layer = Make(ParamText(s));
    CheckGradient(*layer, {&x}, {&y});
  }
}

void ExpectInPlaceMatches(const LrnSpec& spec) {
  test::ExpectInPlaceMatchesSeparate([&] { return Make(ParamText(spec)); }, {2, 5, 3, 4}, 1704);
}

TEST(LRNLayer, InPlaceAcrossChannels) { ExpectInPlaceMatches(LrnSpec()); }

TEST(LRNLayer, InPlaceWithinChannel) {
  LrnSpec s;
  s.within = true;
  s.size = 3;
  ExpectInPlaceMatches(s);
}

TEST(LRNLayer, EvenLocalSizeThrows) {
  Blob x(1, 4, 2, 2), y;
  for (const char* region : {"ACROSS_CHANNELS", "WITHIN_CHANNEL"}) {
    try {
      Make(std::string("local_size: 4 norm_region: ") + region)->SetUp({&x}, {&y});
      ADD_FAILURE() << "expected an error for " << region;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("layer 'norm' (LRN)"), std::string::npos) << msg;
      EXPECT_NE(msg.find("local_size"), std::string::npos) << msg;
      EXPECT_NE(msg.find("odd"), std::string::npos) << msg;
    }
  }
}

TEST(LRNLayer, NonFourDimensionalInputThrows) {
  Blob x({2, 6}), y;
  EXPECT_THROW(Make("local_size: 3")->SetUp({&x}, {&y}), Error);
}

// ---- GPU (engine: CAFFE) ----------------------------------------------------
// Tolerance 1e-5 relative (absolute below 1): the kernels run the CPU's
// sliding sums in the CPU's order, but the GPU compiler fuses multiply-adds
// and its powf may differ from the CPU's in the last bit.

LayerParameter GpuParam(const LrnSpec& s) {
  return ParseLayer(R"(name: "norm" type: "LRN" bottom: "x" top: "y" lrn_param { engine: CAFFE )" + ParamText(s) +
                    " }");
}

void ExpectGpuMatchesCpu(const LrnSpec& s, const std::vector<int>& shape, float tolerance = 1e-5f) {
  SCOPED_TRACE(ParamText(s));
  test::GpuCompareOptions options;
  options.tolerance = tolerance;
  test::ExpectGpuMatchesCpu(GpuParam(s), {shape}, options);
  options.in_place = true;
  test::ExpectGpuMatchesCpu(GpuParam(s), {shape}, options);
}

TEST(LRNLayerGpu, MatchesCpuAcrossChannels) {
  SKIP_WITHOUT_GPU();
  LrnSpec s;  // Caffe's defaults: size 5, beta 0.75 (the square-root path)
  ExpectGpuMatchesCpu(s, {2, 7, 5, 3});
  s.size = 3;
  s.alpha = 0.5;
  s.k = 2;
  ExpectGpuMatchesCpu(s, {3, 6, 7, 9});
  s.size = 5;
  s.beta = 0.6;  // the general power path
  ExpectGpuMatchesCpu(s, {2, 7, 3, 5});
  s.size = 9;  // window wider than the channels
  s.beta = 0.75;
  ExpectGpuMatchesCpu(s, {1, 3, 4, 3});
  s.size = 1;
  ExpectGpuMatchesCpu(s, {2, 4, 3, 3});
}

TEST(LRNLayerGpu, MatchesCpuAcrossManyChannelsOfMixedMagnitude) {
  SKIP_WITHOUT_GPU();
  // The running sum adds and drops 60 planes, some 100x larger than the rest;
  // both sides round it differently (fused multiply-adds on the GPU), so
  // compare at the accuracy the CPU reaches against a direct sum.
  LrnSpec s;
  s.alpha = 1e-2;
  test::GpuCompareOptions options;
  options.tolerance = 1e-4f;
  options.fill = [](int, Blob* b) {
    FillGaussian(b);
    const int hw = b->height() * b->width();
    for (int n = 0; n < b->num(); ++n)
      for (int c = 0; c < b->channels(); c += 7)
        for (int i = 0; i < hw; ++i) b->mutable_cpu_data()[(n * b->channels() + c) * hw + i] *= 100.f;
  };
  test::ExpectGpuMatchesCpu(GpuParam(s), {{2, 64, 3, 5}}, options);
}

TEST(LRNLayerGpu, MatchesCpuWithinChannel) {
  SKIP_WITHOUT_GPU();
  LrnSpec s;
  s.within = true;
  s.size = 3;
  s.alpha = 2;
  s.k = 5;  // ignored within a channel
  ExpectGpuMatchesCpu(s, {2, 3, 7, 9});
  s.size = 5;
  s.beta = 0.6;
  ExpectGpuMatchesCpu(s, {2, 2, 9, 6});
  s.size = 7;  // window larger than the plane
  s.beta = 0.75;
  ExpectGpuMatchesCpu(s, {1, 2, 3, 2});
}

TEST(LRNLayerGpu, GradientAcrossChannels) {
  SKIP_WITHOUT_GPU();
  for (int size : {3, 5}) {
    SCOPED_TRACE("local_size " + std::to_string(size));
    Context::set_random_seed(1701 + size);
    Blob x(2, 7, 3, 3), y;
    FillGaussian(&x);
    LrnSpec s;
    s.size = size;
    auto layer = LayerRegistry::Create(GpuParam(s));
    test::ScopedGpuMode gpu;
    CheckGradient(*layer, {&x}, {&y});
  }
  Context::set_random_seed(1702);
  Blob x(2, 5, 2, 3), y;
  FillGaussian(&x);
  LrnSpec s;
  s.size = 3;
  s.beta = 0.6;
  s.alpha = 0.7;
  s.k = 1.5;
  auto layer = LayerRegistry::Create(GpuParam(s));
  test::ScopedGpuMode gpu;
  CheckGradient(*layer, {&x}, {&y});
}

TEST(LRNLayerGpu, GradientWithinChannel) {
  SKIP_WITHOUT_GPU();
  for (int size : {3, 5}) {
    SCOPED_TRACE("local_size " + std::to_string(size));
    Context::set_random_seed(1703 + size);
    Blob x(2, 2, 4, 5), y;
    FillGaussian(&x);
    LrnSpec s;
    s.within = true;
    s.size = size;
    s.alpha = 3;
    auto layer = LayerRegistry::Create(GpuParam(s));
    test::ScopedGpuMode gpu;
    CheckGradient(*layer, {&x}, {&y});
  }
}

}  // namespace
}  // namespace cnn
