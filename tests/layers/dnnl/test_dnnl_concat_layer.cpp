// DnnlConcatLayer: any axis (and the deprecated concat_dim), gradients to
// some bottoms only, and the single bottom that stays ours (an alias).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cnn/layers/dnnl/dnnl_concat_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

TEST(DnnlConcat, WhereOneDnnRuns) {
  EXPECT_NE(dynamic_cast<DnnlConcatLayer*>(LayerRegistry::Create(LayerOf("Concat", "", 2)).get()), nullptr);
  EXPECT_TRUE(UsesDnnl<DnnlConcatLayer>(LayerOf("Concat", "", 2), {{2, 3, 4}, {2, 1, 4}}));
  // One bottom: the top shares its values, nothing to copy.
  EXPECT_FALSE(UsesDnnl<DnnlConcatLayer>(LayerOf("Concat", "", 1), {{2, 3, 4}}));
  EXPECT_FALSE(UsesDnnl<DnnlConcatLayer>(LayerOf("Concat", "", 2), {{0, 3}, {0, 2}}));
  // Concat's engine field is our own (10000).
  EXPECT_EQ(dynamic_cast<DnnlConcatLayer*>(
                LayerRegistry::Create(LayerOf("Concat", "concat_param { engine: CAFFE }", 2)).get()),
            nullptr);
}

TEST(DnnlConcat, KnownAnswer) {
  Blob a(1, 2, 1, 1), b(1, 1, 1, 1), y;
  test::FillValues(&a, {1.f, 2.f});
  test::FillValues(&b, {3.f});
  auto layer = LayerRegistry::Create(WithEngine(LayerOf("Concat", "", 2), Engine::DNNL));
  layer->SetUp({&a, &b}, {&y});
  layer->Forward({&a, &b}, {&y});
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{1.f, 2.f, 3.f}));
  float* dy = y.mutable_cpu_diff();
  for (int i = 0; i < 3; ++i) dy[i] = 10.f * (i + 1);
  layer->Backward({&y}, {true, true}, {&a, &b});
  EXPECT_EQ(test::DiffOf(a), (std::vector<float>{10.f, 20.f}));
  EXPECT_EQ(test::DiffOf(b), (std::vector<float>{30.f}));
}

TEST(DnnlConcat, MatchesCaffeOnEveryAxis) {
  const std::vector<std::pair<std::string, int>> cases = {{"concat_param { axis: 0 }", 0},
                                                         {"concat_param { axis: 1 }", 1},
                                                         {"concat_param { axis: 2 }", 2},
                                                         {"concat_param { axis: -1 }", 3},
                                                         {"concat_param { concat_dim: 2 }", 2}};
  for (const auto& [p, axis] : cases) {
    SCOPED_TRACE(p);
    // The bottoms differ on the concat axis only.
    std::vector<std::vector<int>> shapes(3, {2, 3, 4, 5});
    shapes[1][axis] = 1;
    shapes[2][axis] = 6;
    ExpectEnginesAgree<DnnlConcatLayer>(LayerOf("Concat", p, 3), shapes, 0.f);
    ExpectEnginesAgree<DnnlConcatLayer>(LayerOf("Concat", p, 3), shapes, 0.f, false, {false, true, false});
  }
}

}  // namespace
}  // namespace cnn
