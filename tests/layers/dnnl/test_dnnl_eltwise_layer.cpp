// DnnlEltwiseLayer: SUM with and without coefficients on oneDNN; PROD and
// MAX stay ours.
#include <gtest/gtest.h>

#include "cnn/layers/dnnl/dnnl_eltwise_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

TEST(DnnlEltwise, SumOnlyRunsOneDnn) {
  EXPECT_NE(dynamic_cast<DnnlEltwiseLayer*>(LayerRegistry::Create(LayerOf("Eltwise", "", 2)).get()), nullptr);
  EXPECT_TRUE(UsesDnnl<DnnlEltwiseLayer>(LayerOf("Eltwise", "", 2), {{2, 3}, {2, 3}}));
  EXPECT_FALSE(UsesDnnl<DnnlEltwiseLayer>(LayerOf("Eltwise", "eltwise_param { operation: PROD }", 2),
                                          {{2, 3}, {2, 3}}));
  EXPECT_FALSE(UsesDnnl<DnnlEltwiseLayer>(LayerOf("Eltwise", "eltwise_param { operation: MAX }", 2),
                                          {{2, 3}, {2, 3}}));
  EXPECT_FALSE(UsesDnnl<DnnlEltwiseLayer>(LayerOf("Eltwise", "", 2), {{0, 3}, {0, 3}}));
  // Eltwise's engine field is our own (10000).
  EXPECT_EQ(dynamic_cast<DnnlEltwiseLayer*>(
                LayerRegistry::Create(LayerOf("Eltwise", "eltwise_param { engine: CAFFE }", 2)).get()),
            nullptr);
}

TEST(DnnlEltwise, KnownAnswer) {
  Blob a(1, 1, 1, 3), b(1, 1, 1, 3), y;
  test::FillValues(&a, {1.f, 2.f, -4.f});
  test::FillValues(&b, {0.5f, -1.f, 2.f});
  auto layer =
      LayerRegistry::Create(WithEngine(LayerOf("Eltwise", "eltwise_param { coeff: 0.5 coeff: -2 }", 2), Engine::DNNL));
  layer->SetUp({&a, &b}, {&y});
  layer->Forward({&a, &b}, {&y});
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{-0.5f, 3.f, -6.f}));
}

TEST(DnnlEltwise, MatchesCaffe) {
  ExpectEnginesAgree<DnnlEltwiseLayer>(LayerOf("Eltwise", "", 2), {{3, 4, 5}, {3, 4, 5}}, 1e-6f);
  ExpectEnginesAgree<DnnlEltwiseLayer>(LayerOf("Eltwise", "eltwise_param { coeff: 1.5 coeff: -0.25 coeff: 3 }", 3),
                                       {{2, 17}, {2, 17}, {2, 17}}, 1e-5f, false, {true, false, true});
}

}  // namespace
}  // namespace cnn
