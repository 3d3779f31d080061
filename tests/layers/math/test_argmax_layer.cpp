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

using test::DataOf;
using test::ErrorOf;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "am" type: "ArgMax" )" + param));
}

std::vector<float> ArgMaxOf(const std::string& param, const std::vector<int>& shape, const std::vector<float>& x,
                       std::vector<int>* top_shape) {
  auto layer = Make(param);
  Blob in(shape), top;
  FillValues(&in, x);
  layer->SetUp({&in}, {&top});
  layer->Forward({&in}, {&top});
  *top_shape = top.shape();
  return DataOf(top);
}

// Two items of 2 x 2 values each.
const std::vector<int> kShape = {2, 2, 2};
const std::vector<float> kX = {0.1f, 0.9f, 0.5f, 0.3f,  //
                               4.f, -1.f, 2.f, 7.f};

TEST(ArgMaxLayer, WithoutAxisSearchesEachItem) {
  std::vector<int> shape;
  EXPECT_EQ(ArgMaxOf("", kShape, kX, &shape), (std::vector<float>{1, 3}));
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 1}));
  EXPECT_EQ(ArgMaxOf("argmax_param { top_k: 2 }", kShape, kX, &shape), (std::vector<float>{1, 2, 3, 0}));
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 2}));
  // out_max_val: per item, the indices and then the values.
  EXPECT_EQ(ArgMaxOf("argmax_param { top_k: 2 out_max_val: true }", kShape, kX, &shape),
            (std::vector<float>{1, 2, 0.9f, 0.5f, 3, 0, 7, 4}));
  EXPECT_EQ(shape, (std::vector<int>{2, 2, 2}));
  // A 2-D bottom still gets three axes; a 4-D one keeps four.
  ArgMaxOf("", {2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}, &shape);
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 1}));
  ArgMaxOf("argmax_param { top_k: 3 }", {2, 2, 1, 2}, kX, &shape);
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 3, 1}));
}

TEST(ArgMaxLayer, AlongAnAxis) {
  std::vector<int> shape;
  // Axis 1: for each (n, w), the better of the two rows.
  EXPECT_EQ(ArgMaxOf("argmax_param { axis: 1 }", kShape, kX, &shape), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 2}));
  EXPECT_EQ(ArgMaxOf("argmax_param { axis: 1 out_max_val: true }", kShape, kX, &shape),
            (std::vector<float>{0.5f, 0.9f, 4, 7}));
  EXPECT_EQ(shape, (std::vector<int>{2, 1, 2}));
  EXPECT_EQ(ArgMaxOf("argmax_param { axis: -1 top_k: 2 }", kShape, kX, &shape),
            (std::vector<float>{1, 0, 0, 1, 0, 1, 1, 0}));
  EXPECT_EQ(shape, (std::vector<int>{2, 2, 2}));
  EXPECT_EQ(ArgMaxOf("argmax_param { axis: 0 }", kShape, kX, &shape), (std::vector<float>{1, 0, 1, 1}));
  EXPECT_EQ(shape, (std::vector<int>{1, 2, 2}));
}

TEST(ArgMaxLayer, TiesGoToTheLargerIndex) {
  std::vector<int> shape;
  EXPECT_EQ(ArgMaxOf("argmax_param { top_k: 3 }", {1, 4}, {5, 1, 5, 5}, &shape), (std::vector<float>{3, 2, 0}));
}

TEST(ArgMaxLayer, BadParametersNameLayerParameterAndShape) {
  Blob in({2, 3, 4}), top;
  std::string msg = ErrorOf([&] { Make("argmax_param { top_k: 13 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("layer 'am' (ArgMax)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("top_k 13"), std::string::npos) << msg;
  EXPECT_NE(msg.find(in.shape_string()), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("argmax_param { axis: 1 top_k: 4 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("top_k 4 exceeds the size 3 of axis 1"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("argmax_param { axis: 3 }")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("axis 3 out of range"), std::string::npos) << msg;
  EXPECT_THROW(Make("argmax_param { top_k: 0 }")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("argmax_param { axis: -4 }")->SetUp({&in}, {&top}), Error);
  EXPECT_NO_THROW(Make("argmax_param { top_k: 12 }")->SetUp({&in}, {&top}));
}

TEST(ArgMaxLayer, HasNoGradient) {
  auto layer = Make("");
  Blob in({2, 3}), top;
  layer->SetUp({&in}, {&top});
  EXPECT_FALSE(layer->AllowForceBackward(0));
  EXPECT_NO_THROW(layer->Backward({&top}, {false}, {&in}));
  const std::string msg = ErrorOf([&] { layer->Backward({&top}, {true}, {&in}); });
  EXPECT_NE(msg.find("no gradient"), std::string::npos) << msg;
}

// ---- GPU ----------------------------------------------------------------

TEST(ArgMaxGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  opt.backward = false;
  // Rounded inputs make ties, so the tie rule is compared too.
  opt.fill = [](int, Blob* b) {
    test::FillUniform(b, 0.f, 8.f);
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = static_cast<float>(static_cast<int>(d[i]));
  };
  for (const char* p : {"", "argmax_param { top_k: 5 }", "argmax_param { top_k: 4 out_max_val: true }",
                        "argmax_param { axis: 1 top_k: 3 }", "argmax_param { axis: 2 out_max_val: true top_k: 2 }",
                        "argmax_param { axis: 0 }", "argmax_param { axis: -1 top_k: 6 }"}) {
    SCOPED_TRACE(p);
    test::ExpectGpuMatchesCpu(ParseLayer(std::string(R"(name: "am" type: "ArgMax" bottom: "x" top: "y" )") + p),
                              {{4, 5, 3, 6}}, opt);
  }
}

}  // namespace
}  // namespace cnn
