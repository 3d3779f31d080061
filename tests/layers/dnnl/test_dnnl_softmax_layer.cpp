// DnnlSoftmaxLayer: any axis, in place, shape changes, and the empty blob
// that runs our own code.
#include <gtest/gtest.h>

#include <cmath>

#include "cnn/layers/dnnl/dnnl_softmax_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

TEST(DnnlSoftmax, DefaultOnTheCpuIsDnnl) {
  EXPECT_NE(dynamic_cast<DnnlSoftmaxLayer*>(LayerRegistry::Create(LayerOf("Softmax", "")).get()), nullptr);
  EXPECT_FALSE(UsesDnnl<DnnlSoftmaxLayer>(LayerOf("Softmax", ""), {{0, 4}}));
  EXPECT_TRUE(UsesDnnl<DnnlSoftmaxLayer>(LayerOf("Softmax", "softmax_param { axis: 0 }"), {{7}}));
}

TEST(DnnlSoftmax, KnownAnswer) {
  // Equal inputs along the axis: 1 / channels; log 3 above the others: 3 / 5.
  Blob x(1, 3, 1, 1), y;
  test::FillValues(&x, {0.f, 0.f, std::log(3.f)});
  auto layer = LayerRegistry::Create(WithEngine(LayerOf("Softmax", ""), Engine::DNNL));
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  const std::vector<float> got = test::DataOf(y);
  EXPECT_NEAR(got[0], 0.2f, 1e-6f);
  EXPECT_NEAR(got[1], 0.2f, 1e-6f);
  EXPECT_NEAR(got[2], 0.6f, 1e-6f);
}

TEST(DnnlSoftmax, MatchesCaffeOnEveryAxis) {
  for (int axis : {0, 1, 2, 3, -1}) {
    SCOPED_TRACE(axis);
    const LayerParameter p = LayerOf("Softmax", "softmax_param { axis: " + std::to_string(axis) + " }");
    for (bool in_place : {false, true}) ExpectEnginesAgree<DnnlSoftmaxLayer>(p, {{3, 5, 4, 6}}, 1e-5f, in_place);
  }
  ExpectEnginesAgree<DnnlSoftmaxLayer>(LayerOf("Softmax", ""), {{2, 1000}}, 1e-5f);
}

TEST(DnnlSoftmax, FollowsShapeChanges) {
  Built caffe = Build(WithEngine(LayerOf("Softmax", ""), Engine::CAFFE), {{2, 3, 4}});
  Built dnnl = Build(WithEngine(LayerOf("Softmax", ""), Engine::DNNL), {{2, 3, 4}});
  for (const std::vector<int>& s : {std::vector<int>{5, 7}, std::vector<int>{1, 2, 3, 3}}) {
    for (Built* b : {&caffe, &dnnl}) {
      b->bottom[0]->Reshape(s);
      Context::set_random_seed(3);
      test::FillGaussian(b->bottom[0]);
      b->layer->Reshape(b->bottom, b->top);
    }
    const auto a = Passes(caffe), d = Passes(dnnl);
    for (size_t i = 0; i < a.size(); ++i) test::ExpectClose(a[i], d[i], 1e-5f, "result " + std::to_string(i));
  }
}

}  // namespace
}  // namespace cnn
