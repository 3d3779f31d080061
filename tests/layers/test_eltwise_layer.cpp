#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
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

TEST(EltwiseLayer, GradientMax) {
  // Per element the three bottoms take a shuffled set of values 0.2 apart,
  // far wider than the finite-difference step, so no perturbation flips the winner.
  GradInputs in;
  std::mt19937 gen(7);
  const int n = in.a.count();
  float* d[3] = {in.a.mutable_cpu_data(), in.b.mutable_cpu_data(), in.c.mutable_cpu_data()};
  for (int k = 0; k < n; ++k) {
    std::vector<float> v = {-0.2f, 0.f, 0.2f};
    std::shuffle(v.begin(), v.end(), gen);
    const float offset = 0.1f * static_cast<float>(k % 5);
    for (int i = 0; i < 3; ++i) d[i][k] = v[i] + offset;
  }
  Blob top;
  auto layer = Make("operation: MAX");
  CheckGradient(*layer, in.all(), {&top});
}

}  // namespace
}  // namespace cnn
