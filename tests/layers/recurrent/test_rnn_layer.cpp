#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "layers/recurrent/recurrent_reference.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

constexpr int kT = 5, kN = 3, kD = 4, kH = 3;

std::unique_ptr<Layer> MakeRnn(const std::string& extra = "", int hidden = kH) {
  return test::MakeRecurrent("RNN", "rnn", hidden, extra);
}

using test::ContWithResets;
using test::ExpectNear;

test::RnnReference ReferenceOf(const Layer& layer, int Ds = 0) {
  test::RnnReference ref{kT, kN, kD, kH, Ds};
  int k = 0;
  ref.w_xh = DataOf(*layer.blobs()[k++]);
  ref.b_h = DataOf(*layer.blobs()[k++]);
  if (Ds > 0) ref.w_xh_static = DataOf(*layer.blobs()[k++]);
  ref.w_hh = DataOf(*layer.blobs()[k++]);
  ref.w_ho = DataOf(*layer.blobs()[k++]);
  ref.b_o = DataOf(*layer.blobs()[k++]);
  ref.Reset();
  return ref;
}

TEST(RNNLayer, BlobsInCaffesOrderAndShapes) {
  auto layer = MakeRnn();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), o;
  layer->SetUp({&x, &cont}, {&o});
  EXPECT_EQ(o.shape(), (std::vector<int>{kT, kN, kH}));
  const std::vector<std::vector<int>> expected = {{kH, kD}, {kH}, {kH, kH}, {kH, kH}, {kH}};  // W_xh b_h W_hh W_ho b_o
  ASSERT_EQ(layer->blobs().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(layer->blobs()[i]->shape(), expected[i]) << i;

  auto with_static = MakeRnn();
  Blob xs(std::vector<int>{kN, 2});
  with_static->SetUp({&x, &cont, &xs}, {&o});
  ASSERT_EQ(with_static->blobs().size(), 6u);
  EXPECT_EQ(with_static->blobs()[2]->shape(), (std::vector<int>{kH, 2}));  // W_xh_static
}

TEST(RNNLayer, MatchesStepByStepReferenceWithResets) {
  Context::set_random_seed(5);
  auto layer = MakeRnn();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), o;
  FillGaussian(&x);
  FillValues(&cont, ContWithResets(kT, kN));
  layer->SetUp({&x, &cont}, {&o});
  test::RnnReference ref = ReferenceOf(*layer);
  layer->Forward({&x, &cont}, {&o});
  ExpectNear(DataOf(o), ref.Run(DataOf(x), DataOf(cont)));
  // The state carries into the next batch where cont says so.
  FillGaussian(&x);
  std::vector<float> next(kT * kN, 1.f);
  next[0] = 0.f;
  FillValues(&cont, next);
  layer->Forward({&x, &cont}, {&o});
  ExpectNear(DataOf(o), ref.Run(DataOf(x), next));
}

TEST(RNNLayer, StaticInputAndExposedHidden) {
  Context::set_random_seed(6);
  auto layer = MakeRnn("expose_hidden: true");
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT, kN}), xs(std::vector<int>{kN, 2}),
      h0(std::vector<int>{1, kN, kH}), o, hT;
  FillGaussian(&x);
  FillGaussian(&xs);
  FillGaussian(&h0);
  std::vector<float> cont_values(kT * kN, 1.f);
  cont_values[3 * kN + 2] = 0.f;
  FillValues(&cont, cont_values);
  layer->SetUp({&x, &cont, &xs, &h0}, {&o, &hT});
  ASSERT_EQ(layer->blobs().size(), 6u);
  test::RnnReference ref = ReferenceOf(*layer, 2);
  for (int i = 0; i < kN * kH; ++i) ref.h[i] = h0.cpu_data()[i];
  layer->Forward({&x, &cont, &xs, &h0}, {&o, &hT});
  ExpectNear(DataOf(o), ref.Run(DataOf(x), cont_values, DataOf(xs)));
  ExpectNear(DataOf(hT), ref.h);
}

void ContFill(int bottom, Blob* b) {
  if (bottom == 1) return FillValues(b, ContWithResets(b->shape(0), b->shape(1)));
  FillGaussian(b);
}

TEST(RNNLayer, Gradient) {
  Context::set_random_seed(8);
  auto layer = MakeRnn("", 2);
  Blob x(std::vector<int>{4, 3, 3}), cont(std::vector<int>{4, 3}), xs(std::vector<int>{3, 2}), o;
  ContFill(0, &x);
  ContFill(1, &cont);
  FillGaussian(&xs);
  test::GradientCheckOptions opt;
  opt.threshold = 2e-3f;
  test::CheckGradient(*layer, {&x, &cont}, {&o}, opt);
  auto with_static = MakeRnn("", 2);
  test::CheckGradient(*with_static, {&x, &cont, &xs}, {&o}, opt);
}

TEST(RNNLayer, ContOfTheWrongLengthIsAnError) {
  auto layer = MakeRnn();
  Blob x(std::vector<int>{kT, kN, kD}), cont(std::vector<int>{kT * kN}), o;
  const std::string msg = test::ErrorOf([&] { layer->SetUp({&x, &cont}, {&o}); });
  EXPECT_NE(msg.find("layer 'rnn' (RNN): cont (bottom 1) has shape 15 (15), expected 5 x 3"), std::string::npos) << msg;
}

TEST(RNNLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-4f;
  opt.fill = ContFill;
  opt.propagate_down = {true, false, true};
  test::ExpectGpuMatchesCpu(
      ParseLayer("name: 'rnn' type: 'RNN' bottom: 'x' bottom: 'cont' bottom: 'x_static' top: 'h' recurrent_param { num_output: 6 "
                 "weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } }"),
      {{5, 4, 3}, {5, 4}, {4, 2}}, opt);
}

TEST(RNNLayerGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Context::set_random_seed(8);
  auto layer = MakeRnn("", 2);
  Blob x(std::vector<int>{4, 3, 3}), cont(std::vector<int>{4, 3}), o;
  ContFill(0, &x);
  ContFill(1, &cont);
  test::GradientCheckOptions opt;
  opt.threshold = 2e-3f;
  test::CheckGradient(*layer, {&x, &cont}, {&o}, opt);
}

}  // namespace
}  // namespace cnn
