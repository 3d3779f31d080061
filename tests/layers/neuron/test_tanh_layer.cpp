#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

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
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make() { return LayerRegistry::Create(ParseLayer(R"(name: "tanh" type: "TanH")")); }


TEST(TanHLayer, ForwardMatchesDefinition) {
  Blob x({6}), y;
  FillValues(&x, {-100, -3, -0.5f, 0, 2, 100});
  auto layer = Make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  for (int i = 0; i < x.count(); ++i) {
    const double ref = std::tanh(static_cast<double>(x.cpu_data()[i]));
    EXPECT_NEAR(y.cpu_data()[i], ref, 1e-6) << "element " << i;
  }
  EXPECT_EQ(y.cpu_data()[3], 0.f);
  EXPECT_EQ(y.cpu_data()[0], -1.f);
  EXPECT_EQ(y.cpu_data()[5], 1.f);
}

TEST(TanHLayer, Gradient) {
  Context::set_random_seed(1701);
  Blob x({2, 3, 4}), y;
  FillGaussian(&x, 1.5f);
  auto layer = Make();
  CheckGradient(*layer, {&x}, {&y});
}

TEST(TanHLayer, InPlace) {
  test::ExpectInPlaceMatchesSeparate([] { return Make(); }, {2, 3, 4}, 1702);
}

// ---- GPU ----------------------------------------------------------------
// Device tanhf may differ from the host's by an ulp or two; 1e-5 (relative
// to max(1, |cpu|)) leaves room for that in the values and the gradients.

LayerParameter GpuParam() { return ParseLayer(R"(name: "tanh" type: "TanH" bottom: "x" top: "y")"); }

test::GpuCompareOptions Tolerance(bool in_place) {
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;
  opt.in_place = in_place;
  // Wide inputs reach both saturated ends.
  opt.fill = [](int, Blob* b) { FillGaussian(b, 4.f); };
  return opt;
}

TEST(TanHGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{3, 5, 7, 9}}, Tolerance(false));
}

TEST(TanHGpu, MatchesCpuInPlace) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam(), {{2, 3, 11, 13}}, Tolerance(true));
}

TEST(TanHGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(1711);
  Blob x(2, 3, 5, 7), y;
  FillGaussian(&x, 1.5f);
  auto layer = Make();
  CheckGradient(*layer, {&x}, {&y});
}

}  // namespace
}  // namespace cnn
