// The oneDNN BatchNorm (src/cnn/layers/dnnl/dnnl_batch_norm_layer.*) against
// our BatchNormLayer and a known answer: Caffe's three statistics blobs,
// the unbiased stored variance, both phases, in place and not, backward in
// both modes. The conformance table runs the small cases too.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_batch_norm_layer.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using Engine = LayerRegistry::Engine;

LayerParameter BatchNorm(const std::string& extra, Engine engine) {
  LayerParameter p = test::ParseLayer("name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y' " + extra);
  EXPECT_TRUE(LayerRegistry::SetEngine(&p, engine));
  return p;
}

TEST(DnnlBatchNorm, DefaultOnTheCpuIsDnnl) {
  ASSERT_EQ(Context::mode(), Mode::CPU);
  LayerParameter p = test::ParseLayer("name: 'bn' type: 'BatchNorm' bottom: 'x' top: 'y'");
  EXPECT_NE(dynamic_cast<DnnlBatchNormLayer*>(LayerRegistry::Create(p).get()), nullptr);
  EXPECT_EQ(dynamic_cast<DnnlBatchNormLayer*>(LayerRegistry::Create(BatchNorm("", Engine::CAFFE)).get()), nullptr);
}

// N = 2, C = 1, two positions: mean 2.5, batch variance 1.25, stored
// variance 1.25 * 4 / 3, scale factor 1 after one pass.
TEST(DnnlBatchNorm, KnownAnswer) {
  Blob x(std::vector<int>{2, 1, 2}), y;
  test::FillValues(&x, {1, 2, 3, 4});
  auto layer = LayerRegistry::Create(BatchNorm("batch_norm_param { eps: 0 }", Engine::DNNL));
  layer->SetUp({&x}, {&y});
  ASSERT_TRUE(dynamic_cast<DnnlBatchNormLayer&>(*layer).uses_dnnl());
  layer->Forward({&x}, {&y});
  const float s = 1.f / std::sqrt(1.25f);
  const std::vector<float> want = {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s};
  test::ExpectClose(test::DataOf(y), want, 1e-6f, "top");
  EXPECT_FLOAT_EQ(layer->blobs()[0]->cpu_data()[0], 2.5f);
  EXPECT_FLOAT_EQ(layer->blobs()[1]->cpu_data()[0], 1.25f * 4 / 3);
  EXPECT_FLOAT_EQ(layer->blobs()[2]->cpu_data()[0], 1.f);
  // The gradient of a standardisation is orthogonal to 1 and to x_hat: a
  // top diff of x_hat itself gives 0.
  float* dy = y.mutable_cpu_diff();
  for (int i = 0; i < 4; ++i) dy[i] = want[i];
  layer->Backward({&y}, {true}, {&x});
  test::ExpectClose(test::DiffOf(x), {0, 0, 0, 0}, 1e-6f, "bottom diff");
}

struct Run {
  std::vector<std::vector<float>> tops, diffs, stats;
};

// Three forward/backward passes on fresh inputs (the running statistics fold
// in three batches), in place or not.
Run Passes(const LayerParameter& p, const std::vector<int>& shape, bool in_place, bool preset_stats) {
  Context::set_random_seed(7);
  Blob x(shape), y, g(shape);
  Blob* top = in_place ? &x : &y;
  auto layer = LayerRegistry::Create(p);
  layer->SetUp({&x}, {top});
  if (preset_stats) {
    for (int b = 0; b < 3; ++b) test::FillUniform(layer->blobs()[b].get(), 0.5f, 2.f);
  }
  Run r;
  for (int pass = 0; pass < 3; ++pass) {
    test::FillGaussian(&x, 2.f, 0.5f);
    layer->Forward({&x}, {top});
    r.tops.push_back(test::DataOf(*top));
    test::FillGaussian(&g, 1.f);
    float* dy = top->mutable_cpu_diff();
    for (int i = 0; i < top->count(); ++i) dy[i] = g.cpu_data()[i];
    layer->Backward({top}, {true}, {&x});
    r.diffs.push_back(test::DiffOf(x));
    for (int b = 0; b < 3; ++b) r.stats.push_back(test::DataOf(*layer->blobs()[b]));
  }
  return r;
}

void ExpectSame(const std::string& extra, const std::vector<int>& shape, bool preset_stats) {
  for (bool in_place : {false, true}) {
    SCOPED_TRACE(extra + (in_place ? " in place" : " separate top"));
    const Run a = Passes(BatchNorm(extra, Engine::CAFFE), shape, in_place, preset_stats);
    const Run b = Passes(BatchNorm(extra, Engine::DNNL), shape, in_place, preset_stats);
    for (size_t i = 0; i < a.tops.size(); ++i) {
      // Both normalise with the same float statistics; oneDNN's vector
      // kernels round (x - mean) * inv_std in another order.
      test::ExpectClose(a.tops[i], b.tops[i], 1e-5f, "top " + std::to_string(i));
      // The backward's per-channel sums are double in ours, float in oneDNN.
      test::ExpectClose(a.diffs[i], b.diffs[i], 1e-4f, "bottom diff " + std::to_string(i));
    }
    // The statistics are computed by the same code: bit for bit.
    EXPECT_EQ(a.stats, b.stats);
  }
}

TEST(DnnlBatchNorm, TrainMatchesCaffe) {
  ExpectSame("", {4, 16, 7, 7}, false);
  ExpectSame("batch_norm_param { moving_average_fraction: 0.9 eps: 0.001 }", {3, 5, 2, 3, 4}, false);
  ExpectSame("", {6, 8}, false);
}

TEST(DnnlBatchNorm, GlobalStatsMatchCaffe) {
  // TEST phase defaults to the stored statistics; so does the explicit flag.
  ExpectSame("phase: TEST", {4, 16, 7, 7}, true);
  ExpectSame("batch_norm_param { use_global_stats: true }", {2, 3, 5}, true);
  // Before any batch (scale factor 0) the stored statistics read as 0.
  ExpectSame("phase: TEST", {2, 4, 3, 3}, false);
}

}  // namespace
}  // namespace cnn
