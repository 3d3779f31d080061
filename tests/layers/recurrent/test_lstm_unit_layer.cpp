#include <gtest/gtest.h>

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

using test::DataOf;
using test::DiffOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> MakeUnit() {
  return LayerRegistry::Create(ParseLayer("name: 'unit' type: 'LSTMUnit'"));
}

double Sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(LSTMUnitLayer, KnownAnswer) {
  // N = 2 items, H = 1 unit: gate pre-activations (i, f, o, g) chosen so the
  // activations are easy to write down.
  auto layer = MakeUnit();
  Blob c_prev(std::vector<int>{1, 2, 1}), x(std::vector<int>{1, 2, 4}), cont(std::vector<int>{1, 2}), c, h;
  FillValues(&c_prev, {2.f, -3.f});
  FillValues(&x, {0.f, 0.f, 0.f, 0.f, /* item 1 */ 1.f, -1.f, 2.f, 0.5f});
  FillValues(&cont, {1.f, 0.f});
  layer->SetUp({&c_prev, &x, &cont}, {&c, &h});
  EXPECT_EQ(c.shape(), (std::vector<int>{1, 2, 1}));
  layer->Forward({&c_prev, &x, &cont}, {&c, &h});
  // Item 0: i = f = o = 1/2, g = 0: c = 1/2 * 2 = 1, h = tanh(1) / 2.
  EXPECT_NEAR(c.cpu_data()[0], 1.0, 1e-6);
  EXPECT_NEAR(h.cpu_data()[0], std::tanh(1.0) / 2, 1e-6);
  // Item 1 starts a sequence (cont 0): c = sigmoid(1) * tanh(0.5).
  const double c1 = Sig(1.0) * std::tanh(0.5);
  EXPECT_NEAR(c.cpu_data()[1], c1, 1e-6);
  EXPECT_NEAR(h.cpu_data()[1], Sig(2.0) * std::tanh(c1), 1e-6);

  // Backward, item 0 from dh = 1 only, item 1 from dc = 1 only; derivatives by hand.
  float* dc = c.mutable_cpu_diff();
  float* dh = h.mutable_cpu_diff();
  dc[0] = 0.f, dc[1] = 1.f;
  dh[0] = 1.f, dh[1] = 0.f;
  layer->Forward({&c_prev, &x, &cont}, {&c, &h});
  layer->Backward({&c, &h}, {true, true, false}, {&c_prev, &x, &cont});
  const double t1 = std::tanh(1.0);
  const double dcell0 = 0.5 * (1 - t1 * t1);
  EXPECT_NEAR(c_prev.cpu_diff()[0], 0.5 * dcell0, 1e-6);  // cont * f * dcell
  const std::vector<float> dx = DiffOf(x);
  EXPECT_NEAR(dx[0], dcell0 * 0.0 * 0.25, 1e-6);      // di: g = 0
  EXPECT_NEAR(dx[1], dcell0 * 2.0 * 0.25, 1e-6);      // df: c_prev f (1 - f)
  EXPECT_NEAR(dx[2], t1 * 0.25, 1e-6);                // do: tanh(c) o (1 - o)
  EXPECT_NEAR(dx[3], dcell0 * 0.5 * 1.0, 1e-6);       // dg: i (1 - g^2)
  // Item 1: cont 0 stops the gradient into c_prev and the forget gate.
  EXPECT_EQ(c_prev.cpu_diff()[1], 0.f);
  EXPECT_EQ(dx[5], 0.f);
  const double i1 = Sig(1.0), g1 = std::tanh(0.5);
  EXPECT_NEAR(dx[4], g1 * i1 * (1 - i1), 1e-6);
  EXPECT_NEAR(dx[7], i1 * (1 - g1 * g1), 1e-6);
}

void UnitFill(int bottom, Blob* b) {
  if (bottom != 2) return FillGaussian(b);
  for (int i = 0; i < b->count(); ++i) b->mutable_cpu_data()[i] = static_cast<float>(i % 3 != 0);
}

TEST(LSTMUnitLayer, Gradient) {
  Context::set_random_seed(3);
  auto layer = MakeUnit();
  Blob c_prev(std::vector<int>{1, 3, 4}), x(std::vector<int>{1, 3, 16}), cont(std::vector<int>{1, 3}), c, h;
  UnitFill(0, &c_prev);
  UnitFill(1, &x);
  UnitFill(2, &cont);
  test::GradientCheckOptions opt;
  opt.threshold = 1e-3f;
  test::CheckGradient(*layer, {&c_prev, &x, &cont}, {&c, &h}, opt);
}

TEST(LSTMUnitLayer, ShapeErrorsNameTheLayer) {
  auto layer = MakeUnit();
  Blob c_prev(std::vector<int>{1, 3, 4}), x(std::vector<int>{1, 3, 15}), cont(std::vector<int>{1, 3}), c, h;
  std::string msg = test::ErrorOf([&] { layer->SetUp({&c_prev, &x, &cont}, {&c, &h}); });
  EXPECT_NE(msg.find("layer 'unit' (LSTMUnit): gate input x (bottom 1) has shape 1 3 15 (45), expected 1 x 3 x 16"),
            std::string::npos)
      << msg;
  x.Reshape({1, 3, 16});
  cont.Reshape({1, 2});
  msg = test::ErrorOf([&] { layer->SetUp({&c_prev, &x, &cont}, {&c, &h}); });
  EXPECT_NE(msg.find("cont (bottom 2) has shape 1 2 (2), expected 1 x 3"), std::string::npos) << msg;
}

TEST(LSTMUnitLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.fill = UnitFill;
  opt.propagate_down = {true, true, false};
  test::ExpectGpuMatchesCpu(ParseLayer("name: 'unit' type: 'LSTMUnit' bottom: 'c_prev' bottom: 'x' bottom: 'cont' top: 'c' top: 'h'"), {{1, 5, 7}, {1, 5, 28}, {1, 5}}, opt);
}

}  // namespace
}  // namespace cnn
