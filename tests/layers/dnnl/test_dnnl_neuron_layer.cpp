// DnnlELULayer, DnnlSigmoidLayer, DnnlTanHLayer: where oneDNN runs, known
// answers, and DNNL against CAFFE, in place too (the backward reads the top).
#include <gtest/gtest.h>

#include "cnn/layers/dnnl/dnnl_neuron_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

TEST(DnnlNeuron, DefaultOnTheCpuIsDnnl) {
  ASSERT_EQ(Context::mode(), Mode::CPU);
  EXPECT_NE(dynamic_cast<DnnlELULayer*>(LayerRegistry::Create(LayerOf("ELU", "")).get()), nullptr);
  EXPECT_NE(dynamic_cast<DnnlSigmoidLayer*>(LayerRegistry::Create(LayerOf("Sigmoid", "")).get()), nullptr);
  EXPECT_NE(dynamic_cast<DnnlTanHLayer*>(LayerRegistry::Create(LayerOf("TanH", "")).get()), nullptr);
  // ELU's engine field is our own (10000).
  EXPECT_EQ(dynamic_cast<DnnlELULayer*>(LayerRegistry::Create(LayerOf("ELU", "elu_param { engine: CAFFE }")).get()),
            nullptr);
}

TEST(DnnlNeuron, FallsBackWhereOneDnnDiffers) {
  EXPECT_TRUE(UsesDnnl<DnnlELULayer>(LayerOf("ELU", "elu_param { alpha: 0.5 }"), {{2, 3}}));
  EXPECT_TRUE(UsesDnnl<DnnlELULayer>(LayerOf("ELU", "elu_param { alpha: 0 }"), {{2, 3}}));
  // A negative alpha gives negative outputs the sign of positive inputs:
  // oneDNN's backward from the top cannot tell the branch.
  EXPECT_FALSE(UsesDnnl<DnnlELULayer>(LayerOf("ELU", "elu_param { alpha: -0.7 }"), {{2, 3}}));
  EXPECT_FALSE(UsesDnnl<DnnlSigmoidLayer>(LayerOf("Sigmoid", ""), {{0, 3}}));
  EXPECT_TRUE(UsesDnnl<DnnlTanHLayer>(LayerOf("TanH", ""), {{4}}));
}

TEST(DnnlNeuron, KnownAnswers) {
  Blob x(1, 1, 1, 3), y;
  test::FillValues(&x, {0.f, 1.f, -1.f});
  for (const char* type : {"Sigmoid", "TanH", "ELU"}) {
    SCOPED_TRACE(type);
    auto layer = LayerRegistry::Create(WithEngine(LayerOf(type, ""), Engine::DNNL));
    layer->SetUp({&x}, {&y});
    layer->Forward({&x}, {&y});
    const std::vector<float> got = test::DataOf(y);
    const std::string t = type;
    const std::vector<float> want = t == "Sigmoid" ? std::vector<float>{0.5f, 0.7310586f, 0.2689414f}
                                    : t == "TanH"  ? std::vector<float>{0.f, 0.7615942f, -0.7615942f}
                                                   : std::vector<float>{0.f, 1.f, -0.6321206f};
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
  }
}

TEST(DnnlNeuron, MatchesCaffe) {
  for (const char* p : {"", "elu_param { alpha: 0.5 }", "elu_param { alpha: 2 }"}) {
    SCOPED_TRACE(p);
    for (bool in_place : {false, true}) {
      ExpectEnginesAgree<DnnlELULayer>(LayerOf("ELU", p), {{3, 4, 5}}, 1e-5f, in_place);
    }
  }
  for (bool in_place : {false, true}) {
    ExpectEnginesAgree<DnnlSigmoidLayer>(LayerOf("Sigmoid", ""), {{3, 4, 5}}, 1e-5f, in_place);
    ExpectEnginesAgree<DnnlTanHLayer>(LayerOf("TanH", ""), {{3, 4, 5}}, 1e-5f, in_place);
  }
}

}  // namespace
}  // namespace cnn
