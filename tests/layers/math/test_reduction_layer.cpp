#include <gtest/gtest.h>

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
using test::ErrorOf;
using test::FillGaussian;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "red" type: "Reduction" )" + param));
}

std::vector<float> Reduce(const std::string& param, const std::vector<int>& shape, const std::vector<float>& x,
                          std::vector<int>* top_shape = nullptr) {
  auto layer = Make(param);
  Blob in(shape), top;
  FillValues(&in, x);
  layer->SetUp({&in}, {&top});
  layer->Forward({&in}, {&top});
  if (top_shape) *top_shape = top.shape();
  return DataOf(top);
}

const std::vector<float> kX = {1, -2, 3, -4, 5, 6};

TEST(ReductionLayer, DefaultSumsEverythingToAScalar) {
  std::vector<int> shape;
  EXPECT_EQ(Reduce("", {2, 3}, kX, &shape), (std::vector<float>{9}));
  EXPECT_TRUE(shape.empty());
}

TEST(ReductionLayer, OperationsAlongTrailingAxes) {
  std::vector<int> shape;
  EXPECT_EQ(Reduce("reduction_param { axis: 1 }", {2, 3}, kX, &shape), (std::vector<float>{2, 7}));
  EXPECT_EQ(shape, (std::vector<int>{2}));
  EXPECT_EQ(Reduce("reduction_param { axis: 1 operation: ASUM }", {2, 3}, kX), (std::vector<float>{6, 15}));
  EXPECT_EQ(Reduce("reduction_param { axis: 1 operation: SUMSQ }", {2, 3}, kX), (std::vector<float>{14, 77}));
  EXPECT_EQ(Reduce("reduction_param { axis: -1 operation: MEAN }", {2, 3}, {1, 2, 3, 4, 5, 9}),
            (std::vector<float>{2, 6}));
  EXPECT_EQ(Reduce("reduction_param { axis: 1 operation: SUM coeff: -0.5 }", {2, 3}, kX),
            (std::vector<float>{-1, -3.5f}));
  EXPECT_EQ(Reduce("reduction_param { operation: MEAN coeff: 3 }", {2, 3}, kX), (std::vector<float>{4.5f}));
  // axis 1 of a 3-D blob reduces the last two axes.
  EXPECT_EQ(Reduce("reduction_param { axis: 1 operation: ASUM }", {3, 1, 2}, kX, &shape),
            (std::vector<float>{3, 7, 11}));
  EXPECT_EQ(shape, (std::vector<int>{3}));
}

TEST(ReductionLayer, BackwardPerOperation) {
  struct Case {
    const char* param;
    std::vector<float> expected;
  };
  const std::vector<float> x = {2, -1, 0, 3};
  // top diff is {1, 10} over two rows of two.
  for (const Case& c : std::vector<Case>{{"operation: SUM coeff: 2", {2, 2, 20, 20}},
                                         {"operation: MEAN", {0.5f, 0.5f, 5, 5}},
                                         {"operation: ASUM", {1, -1, 0, 10}},
                                         {"operation: SUMSQ", {4, -2, 0, 60}}}) {
    auto layer = Make(std::string("reduction_param { axis: 1 ") + c.param + " }");
    Blob in({2, 2}), top;
    FillValues(&in, x);
    layer->SetUp({&in}, {&top});
    layer->Forward({&in}, {&top});
    top.mutable_cpu_diff()[0] = 1.f;
    top.mutable_cpu_diff()[1] = 10.f;
    layer->Backward({&top}, {true}, {&in});
    EXPECT_EQ(std::vector<float>(in.cpu_diff(), in.cpu_diff() + 4), c.expected) << c.param;
  }
}

TEST(ReductionLayer, BadAxisNamesLayerAndShape) {
  Blob in({2, 3}), top;
  const std::string msg = ErrorOf([&] { Make("reduction_param { axis: 2 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("layer 'red' (Reduction)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("axis 2 out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find(in.shape_string()), std::string::npos) << msg;
  EXPECT_THROW(Make("reduction_param { axis: -3 }")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("")->SetUp({&in}, {&in}), Error);
}

struct GradCase {
  const char* op;
  int axis;
};

class ReductionGradientTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(ReductionGradientTest, Matches) {
  const GradCase c = GetParam();
  auto layer = Make(std::string("reduction_param { operation: ") + c.op + " coeff: 1.5 axis: " +
                    std::to_string(c.axis) + " }");
  Blob in(2, 3, 2, 2), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  test::GradientCheckOptions opt;
  if (std::string(c.op) == "ASUM") opt.kink_range = 0.02f;  // |x| has a kink at 0
  CheckGradient(*layer, {&in}, {&top}, opt);
}

INSTANTIATE_TEST_SUITE_P(Ops, ReductionGradientTest,
                         ::testing::Values(GradCase{"SUM", 0}, GradCase{"SUM", 2}, GradCase{"ASUM", 1},
                                           GradCase{"SUMSQ", -1}, GradCase{"MEAN", 1}, GradCase{"MEAN", 0}));

// ---- GPU ----------------------------------------------------------------

TEST(ReductionGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 1e-5f;  // both sum in double; only the order differs
  for (const char* op : {"SUM", "ASUM", "SUMSQ", "MEAN"}) {
    for (int axis : {0, 1, 3}) {
      const std::string p = std::string("reduction_param { operation: ") + op + " coeff: 0.7 axis: " +
                            std::to_string(axis) + " }";
      SCOPED_TRACE(p);
      test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "red" type: "Reduction" bottom: "x" top: "y" )" + p),
                                {{5, 7, 6, 9}}, opt);
    }
  }
}

TEST(ReductionGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  for (const char* op : {"SUM", "SUMSQ", "MEAN"}) {
    auto layer = Make(std::string("reduction_param { axis: 1 operation: ") + op + " }");
    Blob in({2, 3, 4}), top;
    Context::set_random_seed(1711);
    FillGaussian(&in);
    CheckGradient(*layer, {&in}, {&top});
  }
}

}  // namespace
}  // namespace cnn
