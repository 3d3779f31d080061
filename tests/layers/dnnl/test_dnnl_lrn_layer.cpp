// DnnlLRNLayer: both regions, k, local sizes, a known answer, and in place,
// which runs our own code.
#include <gtest/gtest.h>

#include "cnn/layers/dnnl/dnnl_lrn_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

TEST(DnnlLRN, WhereOneDnnRuns) {
  EXPECT_NE(dynamic_cast<DnnlLRNLayer*>(LayerRegistry::Create(LayerOf("LRN", "")).get()), nullptr);
  EXPECT_TRUE(UsesDnnl<DnnlLRNLayer>(LayerOf("LRN", ""), {{2, 7, 3, 3}}));
  EXPECT_TRUE(UsesDnnl<DnnlLRNLayer>(LayerOf("LRN", "lrn_param { norm_region: WITHIN_CHANNEL }"), {{2, 3, 6, 6}}));
  // In place the top overwrites the input oneDNN's backward reads.
  EXPECT_FALSE(UsesDnnl<DnnlLRNLayer>(LayerOf("LRN", ""), {{2, 7, 3, 3}}, true));
  EXPECT_FALSE(UsesDnnl<DnnlLRNLayer>(LayerOf("LRN", ""), {{0, 7, 3, 3}}));
}

TEST(DnnlLRN, KnownAnswerAcrossChannels) {
  // local_size 3, alpha 3 (divided by 3, as Caffe's), beta 1, k 1, one pixel
  // over channels 1, 2, 3: scales 1 + (1 + 4), 1 + (1 + 4 + 9), 1 + (4 + 9).
  Blob x(1, 3, 1, 1), y;
  test::FillValues(&x, {1.f, 2.f, 3.f});
  auto layer = LayerRegistry::Create(
      WithEngine(LayerOf("LRN", "lrn_param { local_size: 3 alpha: 3 beta: 1 k: 1 }"), Engine::DNNL));
  layer->SetUp({&x}, {&y});
  ASSERT_TRUE(dynamic_cast<DnnlLRNLayer&>(*layer).uses_dnnl());
  layer->Forward({&x}, {&y});
  const std::vector<float> got = test::DataOf(y);
  EXPECT_NEAR(got[0], 1.f / 6, 1e-6f);
  EXPECT_NEAR(got[1], 2.f / 15, 1e-6f);
  EXPECT_NEAR(got[2], 3.f / 14, 1e-6f);
}

TEST(DnnlLRN, KnownAnswerWithinChannel) {
  // local_size 3 over a 1x2 plane, alpha 9 (divided by 9), beta 1, and k
  // ignored as Caffe's within-channel form does: both windows hold 1 and 2.
  Blob x(1, 1, 1, 2), y;
  test::FillValues(&x, {1.f, 2.f});
  auto layer = LayerRegistry::Create(WithEngine(
      LayerOf("LRN", "lrn_param { local_size: 3 alpha: 9 beta: 1 k: 5 norm_region: WITHIN_CHANNEL }"), Engine::DNNL));
  layer->SetUp({&x}, {&y});
  ASSERT_TRUE(dynamic_cast<DnnlLRNLayer&>(*layer).uses_dnnl());
  layer->Forward({&x}, {&y});
  const std::vector<float> got = test::DataOf(y);
  EXPECT_NEAR(got[0], 1.f / 6, 1e-6f);
  EXPECT_NEAR(got[1], 2.f / 6, 1e-6f);
}

TEST(DnnlLRN, MatchesCaffe) {
  for (const char* p : {"", "lrn_param { local_size: 3 alpha: 0.5 beta: 0.6 k: 2 }", "lrn_param { local_size: 1 }",
                        "lrn_param { local_size: 9 alpha: 0.01 }",
                        "lrn_param { norm_region: WITHIN_CHANNEL local_size: 3 alpha: 0.5 }",
                        "lrn_param { norm_region: WITHIN_CHANNEL local_size: 5 alpha: 0.2 beta: 0.5 k: 3 }"}) {
    SCOPED_TRACE(p);
    ExpectEnginesAgree<DnnlLRNLayer>(LayerOf("LRN", p), {{2, 7, 6, 5}}, 1e-4f);
  }
}

}  // namespace
}  // namespace cnn
