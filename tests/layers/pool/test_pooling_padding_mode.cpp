// Pooling with padding_mode REFLECT, REPLICATE and CIRCULAR: pad-0 pooling of
// the input padded by that mode, checked against hand-computed answers and a
// direct loop over the independently padded input; gradients, the argmax
// top, GPU against CPU, and the parameter errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/padding_reference.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& pooling_param, const std::string& extra = "") {
  return LayerRegistry::Create(
      ParseLayer("name: 'pool' type: 'Pooling' pooling_param { " + pooling_param + " } " + extra));
}

std::vector<float> Pooled(const std::string& pooling_param, const std::vector<int>& shape, const std::vector<float>& x,
                          const std::string& extra = "") {
  auto layer = Make(pooling_param, extra);
  Blob bottom(shape), top;
  FillValues(&bottom, x);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  return DataOf(top);
}

// One row [1, 5, 2] padded by one on the left and right, 1 x 2 windows at
// stride 2 (ceil mode: a third window over the last border element only).
TEST(PoolingPaddingMode, OneRowByHand) {
  const std::vector<int> shape = {1, 1, 1, 3};
  const std::vector<float> x = {1, 5, 2};
  const std::string geometry = " kernel_h: 1 kernel_w: 2 stride: 2 pad_h: 0 pad_w: 1 ";
  // Zero padding: the border is ignored by MAX, and the window starting in it dropped.
  EXPECT_EQ(Pooled("pool: MAX" + geometry, shape, x), (std::vector<float>{1, 5}));
  // Reflect: [5, 1, 5, 2, 5].
  EXPECT_EQ(Pooled("pool: MAX padding_mode: REFLECT" + geometry, shape, x), (std::vector<float>{5, 5, 5}));
  EXPECT_EQ(Pooled("pool: AVE padding_mode: REFLECT" + geometry, shape, x), (std::vector<float>{3, 3.5f, 5}));
  // Replicate: [1, 1, 5, 2, 2].
  EXPECT_EQ(Pooled("pool: MAX padding_mode: REPLICATE" + geometry, shape, x), (std::vector<float>{1, 5, 2}));
  EXPECT_EQ(Pooled("pool: AVE padding_mode: REPLICATE" + geometry, shape, x), (std::vector<float>{1, 3.5f, 2}));
  // Circular: [2, 1, 5, 2, 1].
  EXPECT_EQ(Pooled("pool: MAX padding_mode: CIRCULAR" + geometry, shape, x), (std::vector<float>{2, 5, 1}));
  EXPECT_EQ(Pooled("pool: AVE padding_mode: CIRCULAR" + geometry, shape, x), (std::vector<float>{1.5f, 3.5f, 1}));
}

// Pad-0 pooling written directly: windows [o * stride, o * stride + kernel)
// clipped to the (padded) input, ceil or floor output size, no window that
// starts outside the input.
std::vector<float> ReferencePool(bool max, const std::vector<int>& shape, const std::vector<float>& x, int kh, int kw,
                                 int sh, int sw, bool ceil, std::vector<int>* out_shape) {
  const int planes = shape[0] * shape[1], H = shape[2], W = shape[3];
  auto out_size = [ceil](int in, int k, int s) {
    int out = (ceil ? (in - k + s - 1) / s : (in - k) / s) + 1;
    if ((out - 1) * s >= in) --out;
    return out;
  };
  const int PH = out_size(H, kh, sh), PW = out_size(W, kw, sw);
  std::vector<float> y;
  for (int p = 0; p < planes; ++p) {
    for (int ph = 0; ph < PH; ++ph) {
      for (int pw = 0; pw < PW; ++pw) {
        float best = -1e30f, sum = 0.f;
        int taps = 0;
        for (int h = ph * sh; h < std::min(ph * sh + kh, H); ++h) {
          for (int w = pw * sw; w < std::min(pw * sw + kw, W); ++w) {
            const float v = x[(p * H + h) * W + w];
            best = std::max(best, v);
            sum += v;
            ++taps;
          }
        }
        y.push_back(max ? best : sum / taps);
      }
    }
  }
  *out_shape = {shape[0], shape[1], PH, PW};
  return y;
}

struct PoolCase {
  int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  bool ceil;
};

TEST(PoolingPaddingMode, MatchesReferenceOnPaddedInput) {
  const std::vector<int> shape = {2, 3, 5, 6};
  std::vector<float> x(2 * 3 * 5 * 6);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (auto& v : x) v = normal(rng);
  // Includes a pad as large as the kernel, which only zero padding forbids.
  const std::vector<PoolCase> cases = {
      {3, 3, 2, 2, 1, 1, true}, {3, 2, 2, 1, 2, 1, true}, {2, 3, 3, 2, 2, 2, false}, {2, 2, 2, 2, 1, 1, true}};
  for (PaddingMode mode : {REFLECT, REPLICATE, CIRCULAR}) {
    for (bool max : {true, false}) {
      for (const PoolCase& c : cases) {
        std::vector<int> padded_shape, expected_shape;
        const std::vector<float> padded = test::ReferencePad(mode, shape, 2, {c.pad_h, c.pad_w}, x, &padded_shape);
        const std::vector<float> expected = ReferencePool(max, padded_shape, padded, c.kernel_h, c.kernel_w, c.stride_h,
                                                          c.stride_w, c.ceil, &expected_shape);
        const std::string param =
            std::string("pool: ") + (max ? "MAX" : "AVE") + " padding_mode: " + PaddingMode_Name(mode) +
            " kernel_h: " + std::to_string(c.kernel_h) + " kernel_w: " + std::to_string(c.kernel_w) +
            " stride_h: " + std::to_string(c.stride_h) + " stride_w: " + std::to_string(c.stride_w) +
            " pad_h: " + std::to_string(c.pad_h) + " pad_w: " + std::to_string(c.pad_w) +
            (c.ceil ? "" : " round_mode: FLOOR");
        auto layer = Make(param);
        Blob bottom(shape), top;
        FillValues(&bottom, x);
        layer->SetUp({&bottom}, {&top});
        layer->Forward({&bottom}, {&top});
        ASSERT_EQ(top.shape(), expected_shape) << param;
        const std::vector<float> got = DataOf(top);
        for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-5f) << param << " output " << i;
      }
    }
  }
}

// The argmax top names input pixels (not padded positions): every maximum is
// the input value at its index, also when a border copy won.
TEST(PoolingPaddingMode, MaxMaskIndexesTheInput) {
  auto layer = Make("pool: MAX padding_mode: REFLECT kernel_size: 3 stride: 2 pad: 2");
  Blob bottom(2, 2, 4, 5), top, mask;
  test::FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top, &mask});
  layer->Forward({&bottom}, {&top, &mask});
  const int plane = 4 * 5, out_plane = top.shape(2) * top.shape(3);
  for (int i = 0; i < top.count(); ++i) {
    const float index = mask.cpu_data()[i];
    ASSERT_GE(index, 0.f);
    ASSERT_LT(index, plane);
    EXPECT_EQ(top.cpu_data()[i], bottom.cpu_data()[i / out_plane * plane + static_cast<int>(index)]) << i;
  }
}

// STOCHASTIC in TEST (the expectation sum(x^2) / sum(x)) on a reflected border.
TEST(PoolingPaddingMode, StochasticTestPoolsTheBorder) {
  // Row [1, 2, 4] reflected by one: [2, 1, 2, 4, 2]; windows of 2 at stride 2.
  const std::vector<float> y = Pooled(
      "pool: STOCHASTIC padding_mode: REFLECT kernel_h: 1 kernel_w: 2 stride: 2 "
      "pad_h: 0 pad_w: 1",
      {1, 1, 1, 3}, {1, 2, 4}, "phase: TEST");
  EXPECT_EQ(y, (std::vector<float>{(4.f + 1.f) / 3.f, (4.f + 16.f) / 6.f, 2.f}));
}

// ZEROS spelled out runs Caffe's zero-padding path unchanged.
TEST(PoolingPaddingMode, ExplicitZerosIsTheDefault) {
  std::vector<float> x(2 * 2 * 5 * 5);
  std::iota(x.begin(), x.end(), -20.f);
  for (const char* pool : {"MAX", "AVE"}) {
    const std::string geometry = std::string("pool: ") + pool + " kernel_size: 3 stride: 2 pad: 1";
    EXPECT_EQ(Pooled(geometry, {2, 2, 5, 5}, x), Pooled(geometry + " padding_mode: ZEROS", {2, 2, 5, 5}, x)) << pool;
  }
}

TEST(PoolingPaddingMode, Gradients) {
  for (const char* mode : {"REFLECT", "REPLICATE", "CIRCULAR"}) {
    for (const char* pool : {"MAX", "AVE"}) {
      auto layer = Make(std::string("pool: ") + pool + " padding_mode: " + mode + " kernel_size: 3 stride: 2 pad: 2");
      Blob bottom(1, 2, 4, 5), top;
      // Distinct values 0.1 apart: no two taps of a window swap order within
      // the step (copies of one input move together).
      std::vector<float> x(bottom.count());
      std::iota(x.begin(), x.end(), 0.f);
      std::shuffle(x.begin(), x.end(), std::mt19937(3));
      for (auto& v : x) v = 0.1f * v - 2.f;
      FillValues(&bottom, x);
      test::GradientCheckOptions options;
      options.step = 1e-2f;
      SCOPED_TRACE(std::string(pool) + " " + mode);
      test::CheckGradient(*layer, {&bottom}, {&top}, options);
    }
  }
}

TEST(PoolingPaddingMode, RejectsBordersTheModeCannotFill) {
  auto setup = [](const std::string& param, std::vector<int> shape) {
    return test::ErrorOf([&] {
      auto layer = Make(param);
      Blob bottom(shape), top;
      layer->SetUp({&bottom}, {&top});
    });
  };
  const std::string reflect = setup("pool: MAX padding_mode: REFLECT kernel_size: 3 pad: 3", {1, 1, 5, 3});
  EXPECT_NE(reflect.find("layer 'pool' (Pooling): padding_mode REFLECT needs pad < size on every padded axis, got "
                         "pad 3 for axis 3 of size 3 (input shape 1x1x5x3)"),
            std::string::npos)
      << reflect;
  const std::string circular = setup("pool: AVE padding_mode: CIRCULAR kernel_size: 2 pad_h: 3 pad_w: 1", {1, 1, 2, 3});
  EXPECT_NE(circular.find("CIRCULAR needs pad <= size on every padded axis, got pad 3 for axis 2 of size 2"),
            std::string::npos)
      << circular;
  // global_pooling still takes no pad, whatever the mode.
  const std::string global = setup("pool: AVE global_pooling: true pad: 1 padding_mode: REFLECT", {1, 1, 4, 4});
  EXPECT_NE(global.find("global_pooling needs pad 0"), std::string::npos) << global;
}

TEST(PoolingPaddingMode, GpuMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (LayerRegistry::Engine e : LayerRegistry::Engines("Pooling")) {
    const char* engine = LayerRegistry::EngineName(e);
    for (const char* mode : {"REFLECT", "REPLICATE", "CIRCULAR"}) {
      for (const char* pool : {"MAX", "AVE"}) {
        SCOPED_TRACE(std::string(engine) + " " + pool + " " + mode);
        const LayerParameter param = ParseLayer(std::string("name: 'pool' type: 'Pooling' bottom: 'x' top: 'y' pooling_param { pool: ") +
                                                pool + " padding_mode: " + mode + " engine: " + engine +
                                                " kernel_size: 3 stride: 2 pad_h: 2 pad_w: 1 }");
        test::ExpectGpuMatchesCpu(param, {{2, 3, 6, 7}});
      }
    }
  }
}

// The argmax top comes back as input indices from the GPU too.
TEST(PoolingPaddingMode, GpuMaxMaskMatchesCpu) {
  SKIP_WITHOUT_GPU();
  const LayerParameter param = ParseLayer(
      "name: 'pool' type: 'Pooling' pooling_param { pool: MAX padding_mode: CIRCULAR kernel_size: 3 stride: 2 pad: 2 "
      "}");
  Blob bottom(2, 2, 4, 5), top_cpu, mask_cpu, top_gpu, mask_gpu;
  test::FillGaussian(&bottom);
  auto cpu = LayerRegistry::Create(param);
  cpu->SetUp({&bottom}, {&top_cpu, &mask_cpu});
  cpu->Forward({&bottom}, {&top_cpu, &mask_cpu});
  test::ScopedGpuMode gpu;
  auto on_gpu = LayerRegistry::Create(param);
  on_gpu->SetUp({&bottom}, {&top_gpu, &mask_gpu});
  on_gpu->Forward({&bottom}, {&top_gpu, &mask_gpu});
  EXPECT_EQ(DataOf(mask_gpu), DataOf(mask_cpu));
  EXPECT_EQ(DataOf(top_gpu), DataOf(top_cpu));
}

}  // namespace
}  // namespace cnn
