// The padding operator of padding_mode (spatial_padding.hpp): Pad against
// hand-computed borders and an independent index rule, PadAdjoint against
// hand-computed sums and as the exact adjoint of Pad, the validation
// messages, and the GPU against the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"
#include "cnn/layers/conv/spatial_padding.hpp"
#include "support/gpu_check.hpp"
#include "support/padding_reference.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

// A geometry padding the trailing axes of `shape` from `first_axis` on.
PadGeometry Geometry(PaddingMode mode, const std::vector<int>& shape, int first_axis, const std::vector<int>& before,
                     const std::vector<int>& after) {
  PadGeometry g;
  g.mode = static_cast<PadMode>(mode);
  g.outer = 1;
  for (int a = 0; a < first_axis; ++a) g.outer *= shape[a];
  g.axes = static_cast<int>(shape.size()) - first_axis;
  for (int a = 0; a < g.axes; ++a) {
    g.size[a] = shape[first_axis + a];
    g.before[a] = before[a];
    g.after[a] = after[a];
  }
  return g;
}

std::vector<float> PadOf(const PadGeometry& g, const std::vector<float>& x) {
  std::vector<float> y(PaddedCount(g), -99.f);
  Pad(g, x.data(), y.data());
  return y;
}

std::vector<float> AdjointOf(const PadGeometry& g, const std::vector<float>& dy) {
  std::vector<float> dx(SourceCount(g), -99.f);
  PadAdjoint(g, dy.data(), dx.data());
  return dx;
}

std::vector<float> Random(long long n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

// ---- Pad, by hand ----------------------------------------------------------

const std::vector<float> k1234 = {1, 2, 3, 4};

TEST(SpatialPadding, OneDimensionalEachMode) {
  EXPECT_EQ(PadOf(Geometry(ZEROS, {4}, 0, {2}, {2}), k1234), (std::vector<float>{0, 0, 1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(PadOf(Geometry(REFLECT, {4}, 0, {2}, {2}), k1234), (std::vector<float>{3, 2, 1, 2, 3, 4, 3, 2}));
  EXPECT_EQ(PadOf(Geometry(REPLICATE, {4}, 0, {2}, {2}), k1234), (std::vector<float>{1, 1, 1, 2, 3, 4, 4, 4}));
  EXPECT_EQ(PadOf(Geometry(CIRCULAR, {4}, 0, {2}, {2}), k1234), (std::vector<float>{3, 4, 1, 2, 3, 4, 1, 2}));
}

TEST(SpatialPadding, OneDimensionalLimitsAndAsymmetry) {
  // REFLECT up to size - 1, CIRCULAR up to size, REPLICATE any width.
  EXPECT_EQ(PadOf(Geometry(REFLECT, {4}, 0, {1}, {3}), k1234), (std::vector<float>{2, 1, 2, 3, 4, 3, 2, 1}));
  EXPECT_EQ(PadOf(Geometry(CIRCULAR, {4}, 0, {4}, {0}), k1234), (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(PadOf(Geometry(REPLICATE, {1}, 0, {2}, {3}), (std::vector<float>{7})), (std::vector<float>(6, 7.f)));
  EXPECT_EQ(PadOf(Geometry(CIRCULAR, {1}, 0, {1}, {1}), (std::vector<float>{7})), (std::vector<float>(3, 7.f)));
}

TEST(SpatialPadding, TwoDimensionalOverPlanes) {
  // Two planes (outer axis of 2) of 2 x 3; the second is the first plus 10.
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16};
  const std::vector<float> reflect = {5, 4, 5, 6, 5,  //
                                      2, 1, 2, 3, 2,  //
                                      5, 4, 5, 6, 5,  //
                                      2, 1, 2, 3, 2};
  const std::vector<float> replicate = {1, 1, 2, 3, 3,  //
                                        1, 1, 2, 3, 3,  //
                                        4, 4, 5, 6, 6,  //
                                        4, 4, 5, 6, 6};
  const std::vector<float> circular = {6, 4, 5, 6, 4,  //
                                       3, 1, 2, 3, 1,  //
                                       6, 4, 5, 6, 4,  //
                                       3, 1, 2, 3, 1};
  auto two_planes = [](std::vector<float> plane) {
    const size_t n = plane.size();
    for (size_t i = 0; i < n; ++i) plane.push_back(plane[i] + 10.f);
    return plane;
  };
  EXPECT_EQ(PadOf(Geometry(REFLECT, {2, 2, 3}, 1, {1, 1}, {1, 1}), x), two_planes(reflect));
  EXPECT_EQ(PadOf(Geometry(REPLICATE, {2, 2, 3}, 1, {1, 1}, {1, 1}), x), two_planes(replicate));
  EXPECT_EQ(PadOf(Geometry(CIRCULAR, {2, 2, 3}, 1, {1, 1}, {1, 1}), x), two_planes(circular));
  // Only the width padded: the rows keep their order.
  EXPECT_EQ(PadOf(Geometry(REFLECT, {1, 2, 3}, 1, {0, 2}, {0, 1}), (std::vector<float>{1, 2, 3, 4, 5, 6})),
            (std::vector<float>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
}

// A 3-D source of 2 x 3 x 4 x 5 (outer 2), asymmetric pads at the limits each
// mode allows, every padded element checked against the independent rule of
// padding_reference.hpp.
TEST(SpatialPadding, ThreeDimensionalMatchesIndependentRule) {
  const std::vector<int> shape = {2, 3, 4, 5};
  for (PaddingMode mode : {ZEROS, REFLECT, REPLICATE, CIRCULAR}) {
    const std::vector<int> before = mode == CIRCULAR ? std::vector<int>{3, 0, 5} : std::vector<int>{2, 0, 4};
    const std::vector<int> after = mode == CIRCULAR ? std::vector<int>{1, 4, 2} : std::vector<int>{1, 3, 2};
    const PadGeometry g = Geometry(mode, shape, 1, before, after);
    const std::vector<float> x = Random(SourceCount(g), 5);
    const std::vector<float> y = PadOf(g, x);
    const int e0 = 3 + before[0] + after[0], e1 = 4 + before[1] + after[1], e2 = 5 + before[2] + after[2];
    ASSERT_EQ(y.size(), static_cast<size_t>(2 * e0 * e1 * e2));
    for (int o = 0; o < 2; ++o) {
      for (int i = 0; i < e0; ++i) {
        for (int j = 0; j < e1; ++j) {
          for (int k = 0; k < e2; ++k) {
            const int s0 = test::ReferencePadSource(mode, i - before[0], 3),
                      s1 = test::ReferencePadSource(mode, j - before[1], 4),
                      s2 = test::ReferencePadSource(mode, k - before[2], 5);
            const float expected = s0 < 0 || s1 < 0 || s2 < 0 ? 0.f : x[((o * 3 + s0) * 4 + s1) * 5 + s2];
            ASSERT_EQ(y[((o * e0 + i) * e1 + j) * e2 + k], expected)
                << PaddingMode_Name(mode) << " at " << o << "," << i << "," << j << "," << k;
          }
        }
      }
    }
  }
}

// ---- PadAdjoint ------------------------------------------------------------

// dy = 1..8 over the padded positions of a length-4 source padded by 2 on
// both sides: each source element gets the sum of the positions copying it.
TEST(SpatialPadding, AdjointOneDimensionalByHand) {
  const std::vector<float> dy = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(AdjointOf(Geometry(ZEROS, {4}, 0, {2}, {2}), dy), (std::vector<float>{3, 4, 5, 6}));
  // Reflect: x1 is read at -1, 1 and 5; x2 at -2, 2 and 4.
  EXPECT_EQ(AdjointOf(Geometry(REFLECT, {4}, 0, {2}, {2}), dy), (std::vector<float>{3, 2 + 4 + 8, 1 + 5 + 7, 6}));
  EXPECT_EQ(AdjointOf(Geometry(REPLICATE, {4}, 0, {2}, {2}), dy), (std::vector<float>{1 + 2 + 3, 4, 5, 6 + 7 + 8}));
  EXPECT_EQ(AdjointOf(Geometry(CIRCULAR, {4}, 0, {2}, {2}), dy), (std::vector<float>{3 + 7, 4 + 8, 1 + 5, 2 + 6}));
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

struct AdjointCase {
  std::vector<int> shape;
  int first_axis;
  std::vector<int> before, after;
};

// <Pad x, y> == <x, PadAdjoint y> for random x and y: PadAdjoint is Pad's
// transpose, border contributions included.
TEST(SpatialPadding, AdjointIsExactTranspose) {
  const std::vector<AdjointCase> cases = {
      {{7}, 0, {3}, {6}},                          // 1-D; REFLECT gets its own pads below
      {{2, 3, 4, 5}, 2, {1, 4}, {3, 0}},           // 2-D over 6 planes
      {{1, 2, 3, 4, 5}, 2, {2, 0, 4}, {1, 3, 4}},  // 3-D
      {{3, 1, 1}, 1, {1, 1}, {1, 0}},              // size-1 axes
  };
  unsigned seed = 11;
  for (PaddingMode mode : {ZEROS, REFLECT, REPLICATE, CIRCULAR}) {
    for (const AdjointCase& c : cases) {
      std::vector<int> before = c.before, after = c.after;
      for (size_t a = 0; a < before.size(); ++a) {
        const int n = c.shape[c.first_axis + a];
        const int limit = mode == REFLECT ? n - 1 : mode == CIRCULAR ? n : 1 << 20;
        before[a] = std::min(before[a], limit);
        after[a] = std::min(after[a], limit);
      }
      const PadGeometry g = Geometry(mode, c.shape, c.first_axis, before, after);
      const std::vector<float> x = Random(SourceCount(g), seed++), y = Random(PaddedCount(g), seed++);
      const double lhs = Dot(PadOf(g, x), y), rhs = Dot(x, AdjointOf(g, y));
      EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs))) << PaddingMode_Name(mode) << " case " << &c - cases.data();
    }
  }
}

// ---- Validation ------------------------------------------------------------

TEST(SpatialPadding, RejectsPadsTheModeCannotFill) {
  const std::string where = "layer 'p' (Pooling): ";
  auto reshape = [&](PaddingMode mode, std::vector<int> pad, std::vector<int> shape) {
    return ErrorOf([&] {
      SpatialPadding padding;
      padding.Configure(mode, pad);
      padding.Reshape(shape, 2, where, "input");
    });
  };
  const std::string reflect = reshape(REFLECT, {1, 3}, {1, 2, 5, 3});
  EXPECT_NE(reflect.find(where + "padding_mode REFLECT needs pad < size"), std::string::npos) << reflect;
  EXPECT_NE(reflect.find("pad 3 for axis 3 of size 3 (input shape 1x2x5x3)"), std::string::npos) << reflect;
  const std::string circular = reshape(CIRCULAR, {3, 0}, {1, 1, 2, 4});
  EXPECT_NE(circular.find("CIRCULAR needs pad <= size on every padded axis, got pad 3 for axis 2 of size 2"),
            std::string::npos)
      << circular;
  const std::string replicate = reshape(REPLICATE, {1, 1}, {1, 1, 0, 4});
  EXPECT_NE(replicate.find("REPLICATE needs size >= 1"), std::string::npos) << replicate;
  const std::string axes = reshape(REFLECT, {1, 1}, {1, 1, 4});
  EXPECT_NE(axes.find("pads 2 spatial axes"), std::string::npos) << axes;
  // The limits themselves are fine.
  SpatialPadding ok;
  ok.Configure(REFLECT, {2, 0});
  ok.Reshape({1, 1, 3, 1}, 2, where, "input");
  EXPECT_EQ(ok.padded_shape(), (std::vector<int>{1, 1, 7, 1}));
  ok.Configure(CIRCULAR, {3, 1});
  ok.Reshape({1, 1, 3, 1}, 2, where, "input");
  EXPECT_EQ(ok.padded_shape(), (std::vector<int>{1, 1, 9, 3}));
  ok.Configure(ZEROS, {5, 5});
  ok.Reshape({1, 1, 1, 1}, 2, where, "input");
  EXPECT_FALSE(ok.active());
}

TEST(SpatialPadding, ActiveOnlyForRealBorders) {
  SpatialPadding p;
  p.Configure(REFLECT, {0, 0});
  EXPECT_FALSE(p.active());
  p.Configure(ZEROS, {1, 2});
  EXPECT_FALSE(p.active());
  p.Configure(CIRCULAR, {0, 1});
  EXPECT_TRUE(p.active());
}

TEST(SpatialPadding, SourceIndicesOfAPaddedPlane) {
  SpatialPadding p;
  p.Configure(REFLECT, {1, 1});
  p.Reshape({2, 1, 2, 3}, 2, "", "input");  // padded plane 4 x 5
  // Padded (0, 0) copies source (1, 1); (1, 2) copies (0, 1); (3, 4) copies (0, 1).
  std::vector<float> index = {0, 1 * 5 + 2, 3 * 5 + 4};
  p.ToSourceIndices(index.data(), 3, false);
  EXPECT_EQ(index, (std::vector<float>{1 * 3 + 1, 0 * 3 + 1, 0 * 3 + 1}));
}

// ---- GPU against CPU -------------------------------------------------------

#ifdef CNN_WITH_CUDA
// Runs `op` on device copies of `in`, returning its out_count results.
std::vector<float> OnGpu(const std::vector<float>& in, long long out_count,
                         void (*op)(const PadGeometry&, const float*, float*), const PadGeometry& g) {
  Blob from({static_cast<int>(in.size())}), to({static_cast<int>(out_count)});
  test::FillValues(&from, in);
  op(g, from.gpu_data(), to.mutable_gpu_data());
  return test::DataOf(to);
}
#endif

TEST(SpatialPadding, GpuMatchesCpuBitForBit) {
  SKIP_WITHOUT_GPU();
#ifdef CNN_WITH_CUDA
  test::ScopedGpuMode gpu;
  for (PaddingMode mode : {ZEROS, REFLECT, REPLICATE, CIRCULAR}) {
    const PadGeometry g = Geometry(mode, {2, 3, 4, 5, 6}, 2, {2, 3, 5}, {3, 1, 4});
    const std::vector<float> x = Random(SourceCount(g), 3), dy = Random(PaddedCount(g), 4);
    EXPECT_EQ(OnGpu(x, PaddedCount(g), PadGpu, g), PadOf(g, x)) << PaddingMode_Name(mode);
    EXPECT_EQ(OnGpu(dy, SourceCount(g), PadAdjointGpu, g), AdjointOf(g, dy)) << PaddingMode_Name(mode);
  }
#endif
}

}  // namespace
}  // namespace cnn
