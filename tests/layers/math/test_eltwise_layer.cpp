#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
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
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "elt" type: "Eltwise" eltwise_param { )" + param + " }"));
}

struct Inputs {
  Blob a{std::vector<int>{2, 2}}, b{std::vector<int>{2, 2}}, c{std::vector<int>{2, 2}};
  Inputs() {
    FillValues(&a, {1, -2, 3, 0.5f});
    FillValues(&b, {2, 4, -1, 0.5f});
    FillValues(&c, {-3, 1, 5, 2});
  }
  BlobVec all() { return {&a, &b, &c}; }
};

std::vector<float> Compute(const std::string& param, Inputs& in) {
  auto layer = Make(param);
  Blob top;
  layer->SetUp(in.all(), {&top});
  layer->Forward(in.all(), {&top});
  EXPECT_EQ(top.shape(), in.a.shape());
  return DataOf(top);
}

TEST(EltwiseLayer, DefaultIsSum) {
  Inputs in;
  EXPECT_EQ(Compute("", in), (std::vector<float>{0, 3, 7, 3}));
}

TEST(EltwiseLayer, SumWithCoefficients) {
  Inputs in;
  EXPECT_EQ(Compute("operation: SUM coeff: 1 coeff: -0.5 coeff: 2", in),
            (std::vector<float>{-6, -2, 13.5f, 4.25f}));
}

TEST(EltwiseLayer, Prod) {
  Inputs in;
  EXPECT_EQ(Compute("operation: PROD", in), (std::vector<float>{-6, -8, -15, 0.5f}));
}

TEST(EltwiseLayer, Max) {
  Inputs in;
  EXPECT_EQ(Compute("operation: MAX", in), (std::vector<float>{2, 4, 5, 2}));
}

TEST(EltwiseLayer, MaxTiesFollowCaffe) {
  // Between the first two bottoms the second wins a tie; a later bottom must
  // be strictly larger. Backward shows who won.
  Blob a({3}), b({3}), c({3}), top;
  FillValues(&a, {1, 1, 0});
  FillValues(&b, {1, 0, 0});
  FillValues(&c, {1, 1, 0});
  auto layer = Make("operation: MAX");
  layer->SetUp({&a, &b, &c}, {&top});
  layer->Forward({&a, &b, &c}, {&top});
  std::fill(top.mutable_cpu_diff(), top.mutable_cpu_diff() + 3, 1.f);
  layer->Backward({&top}, {true, true, true}, {&a, &b, &c});
  EXPECT_EQ(std::vector<float>(a.cpu_diff(), a.cpu_diff() + 3), (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(std::vector<float>(b.cpu_diff(), b.cpu_diff() + 3), (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(std::vector<float>(c.cpu_diff(), c.cpu_diff() + 3), (std::vector<float>{0, 0, 0}));
}

TEST(EltwiseLayer, ProdBackwardWithZeroInput) {
  // The stable gradient is exact where an input is zero; dividing the
  // product by that input would give NaN.
  Blob a({2}), b({2}), top;
  FillValues(&a, {0, 2});
  FillValues(&b, {3, 4});
  auto layer = Make("operation: PROD");
  layer->SetUp({&a, &b}, {&top});
  layer->Forward({&a, &b}, {&top});
  std::fill(top.mutable_cpu_diff(), top.mutable_cpu_diff() + 2, 1.f);
  layer->Backward({&top}, {true, true}, {&a, &b});
  EXPECT_EQ(std::vector<float>(a.cpu_diff(), a.cpu_diff() + 2), (std::vector<float>{3, 4}));
  EXPECT_EQ(std::vector<float>(b.cpu_diff(), b.cpu_diff() + 2), (std::vector<float>{0, 2}));
}

TEST(EltwiseLayer, ShapeMismatchNamesLayerAndBottom) {
  Blob a({2, 3}), b({2, 3}), c({3, 2}), top;
  try {
    Make("")->SetUp({&a, &b, &c}, {&top});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'elt' (Eltwise)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bottom 2"), std::string::npos) << msg;
  }
}

TEST(EltwiseLayer, BadParametersThrow) {
  Blob a({2}), b({2}), top;
  EXPECT_THROW(Make("coeff: 1")->SetUp({&a, &b}, {&top}), Error);
  EXPECT_THROW(Make("operation: PROD coeff: 1 coeff: 1")->SetUp({&a, &b}, {&top}), Error);
  EXPECT_THROW(Make("")->SetUp({&a}, {&top}), Error);
}

// Three bottoms of a small shape, filled from the fixed seed.
struct GradInputs {
  Blob a{std::vector<int>{2, 3, 2}}, b{std::vector<int>{2, 3, 2}}, c{std::vector<int>{2, 3, 2}};
  GradInputs() {
    Context::set_random_seed(1701);
    for (Blob* x : all()) FillGaussian(x);
  }
  BlobVec all() { return {&a, &b, &c}; }
};

TEST(EltwiseLayer, GradientSum) {
  GradInputs in;
  Blob top;
  auto layer = Make("operation: SUM");
  CheckGradient(*layer, in.all(), {&top});
}

TEST(EltwiseLayer, GradientSumWithCoefficients) {
  GradInputs in;
  Blob top;
  auto layer = Make("operation: SUM coeff: 1 coeff: -0.5 coeff: 2");
  CheckGradient(*layer, in.all(), {&top});
}

TEST(EltwiseLayer, GradientProd) {
  GradInputs in;
  Blob top;
  auto layer = Make("operation: PROD");
  CheckGradient(*layer, in.all(), {&top});
}

TEST(EltwiseLayer, GradientProdUnstable) {
  GradInputs in;
  Blob top;
  auto layer = Make("operation: PROD stable_prod_grad: false");
  CheckGradient(*layer, in.all(), {&top});
}

// Per element the three bottoms take a shuffled set of values 0.2 apart,
// far wider than the finite-difference step, so no perturbation flips the winner.
void SeparateForMax(GradInputs& in) {
  std::mt19937 gen(7);
  const int n = in.a.count();
  float* d[3] = {in.a.mutable_cpu_data(), in.b.mutable_cpu_data(), in.c.mutable_cpu_data()};
  for (int k = 0; k < n; ++k) {
    std::vector<float> v = {-0.2f, 0.f, 0.2f};
    std::shuffle(v.begin(), v.end(), gen);
    const float offset = 0.1f * static_cast<float>(k % 5);
    for (int i = 0; i < 3; ++i) d[i][k] = v[i] + offset;
  }
}

TEST(EltwiseLayer, GradientMax) {
  GradInputs in;
  SeparateForMax(in);
  Blob top;
  auto layer = Make("operation: MAX");
  CheckGradient(*layer, in.all(), {&top});
}

// ---- GPU ----------------------------------------------------------------
// MAX selects values and PROD multiplies (and divides) in the CPU's order
// with IEEE single-precision operations, so both should agree exactly;
// SUM goes through cuBLAS axpy, which may fuse the multiply-add where the
// CPU does not. Tolerances: 0 for MAX, 1e-6 (relative to max(1, |cpu|)) for
// PROD and SUM.

LayerParameter GpuParam(const std::string& param, int bottoms = 3) {
  std::string text = R"(name: "elt" type: "Eltwise" top: "y" )";
  for (int i = 0; i < bottoms; ++i) text += "bottom: \"x" + std::to_string(i) + "\" ";
  return ParseLayer(text + "eltwise_param { " + param + " }");
}

test::GpuCompareOptions Tolerance(float tolerance) {
  test::GpuCompareOptions opt;
  opt.tolerance = tolerance;
  return opt;
}

const std::vector<std::vector<int>> kGpuShapes(3, std::vector<int>{3, 5, 7, 11});

TEST(EltwiseGpu, MatchesCpuSum) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: SUM"), kGpuShapes, Tolerance(1e-6f));
}

TEST(EltwiseGpu, MatchesCpuSumWithCoefficients) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: SUM coeff: 1 coeff: -0.5 coeff: 2"), kGpuShapes,
                            Tolerance(1e-6f));
}

TEST(EltwiseGpu, MatchesCpuSumTwoBottoms) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: SUM coeff: 0.3 coeff: 1", 2), {{17, 19}, {17, 19}},
                            Tolerance(1e-6f));
}

TEST(EltwiseGpu, MatchesCpuProd) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: PROD"), kGpuShapes, Tolerance(1e-6f));
}

TEST(EltwiseGpu, MatchesCpuProdUnstable) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: PROD stable_prod_grad: false"), kGpuShapes, Tolerance(1e-6f));
}

// Zeros in the inputs: the stable gradient stays exact where the unstable
// one would divide by zero.
TEST(EltwiseGpu, MatchesCpuProdWithZeros) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = Tolerance(1e-6f);
  opt.fill = [](int index, Blob* b) {
    FillGaussian(b);
    float* d = b->mutable_cpu_data();
    for (int k = index; k < b->count(); k += 5) d[k] = 0.f;
  };
  test::ExpectGpuMatchesCpu(GpuParam("operation: PROD"), kGpuShapes, opt);
}

TEST(EltwiseGpu, MatchesCpuMax) {
  SKIP_WITHOUT_GPU();
  test::ExpectGpuMatchesCpu(GpuParam("operation: MAX"), kGpuShapes, Tolerance(0.f));
  test::ExpectGpuMatchesCpu(GpuParam("operation: MAX", 2), {{17, 19}, {17, 19}}, Tolerance(0.f));
  test::ExpectGpuMatchesCpu(GpuParam("operation: MAX", 5), std::vector<std::vector<int>>(5, {2, 3, 37}),
                            Tolerance(0.f));
}

// Inputs drawn from a handful of integers tie often; the gradients show the
// GPU broke every tie the CPU's way.
TEST(EltwiseGpu, MatchesCpuMaxWithTies) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt = Tolerance(0.f);
  opt.fill = [](int, Blob* b) {
    FillGaussian(b);
    float* d = b->mutable_cpu_data();
    for (int k = 0; k < b->count(); ++k) d[k] = std::round(d[k]);
  };
  test::ExpectGpuMatchesCpu(GpuParam("operation: MAX"), kGpuShapes, opt);
  test::ExpectGpuMatchesCpu(GpuParam("operation: MAX", 4), std::vector<std::vector<int>>(4, {5, 7, 9}), opt);
}

// Backward leaves bottoms not asked for alone; the others must still match.
TEST(EltwiseGpu, MatchesCpuPartialPropagateDown) {
  SKIP_WITHOUT_GPU();
  for (const char* op : {"operation: SUM coeff: 2 coeff: 1 coeff: -1", "operation: PROD", "operation: MAX"}) {
    test::GpuCompareOptions opt = Tolerance(1e-6f);
    opt.propagate_down = {false, true, true};
    test::ExpectGpuMatchesCpu(GpuParam(op), kGpuShapes, opt);
    opt.propagate_down = {true, false, false};
    test::ExpectGpuMatchesCpu(GpuParam(op), kGpuShapes, opt);
  }
}

void GpuGradient(const std::string& param, bool separate_for_max = false) {
  test::ScopedGpuMode gpu;
  GradInputs in;
  if (separate_for_max) SeparateForMax(in);
  Blob top;
  auto layer = Make(param);
  CheckGradient(*layer, in.all(), {&top});
}

TEST(EltwiseGpu, GradientSum) {
  SKIP_WITHOUT_GPU();
  GpuGradient("operation: SUM");
}

TEST(EltwiseGpu, GradientSumWithCoefficients) {
  SKIP_WITHOUT_GPU();
  GpuGradient("operation: SUM coeff: 1 coeff: -0.5 coeff: 2");
}

TEST(EltwiseGpu, GradientProd) {
  SKIP_WITHOUT_GPU();
  GpuGradient("operation: PROD");
}

TEST(EltwiseGpu, GradientProdUnstable) {
  SKIP_WITHOUT_GPU();
  GpuGradient("operation: PROD stable_prod_grad: false");
}

TEST(EltwiseGpu, GradientMax) {
  SKIP_WITHOUT_GPU();
  GpuGradient("operation: MAX", true);
}

}  // namespace
}  // namespace cnn
