#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
using test::DiffOf;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> MakeEmbed(const std::string& extra = "") {
  return LayerRegistry::Create(ParseLayer("name: 'embed' type: 'Embed' embed_param { num_output: 2 input_dim: 4 " +
                                          extra + " }"));
}

// W = [[0, 1], [10, 11], [20, 21], [30, 31]], b = [100, 200].
void SetTable(Layer* layer) {
  FillValues(layer->blobs()[0].get(), {0, 1, 10, 11, 20, 21, 30, 31});
  if (layer->blobs().size() > 1) FillValues(layer->blobs()[1].get(), {100, 200});
}

TEST(EmbedLayer, KnownAnswer) {
  auto layer = MakeEmbed();
  Blob idx(std::vector<int>{2, 3}), top;
  FillValues(&idx, {3, 0, 1, 1, 2, 3});
  layer->SetUp({&idx}, {&top});
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4, 2}));  // input_dim x num_output, as Caffe
  EXPECT_EQ(layer->blobs()[1]->shape(), (std::vector<int>{2}));
  EXPECT_EQ(top.shape(), (std::vector<int>{2, 3, 2}));
  SetTable(layer.get());
  layer->Forward({&idx}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{130, 231, 100, 201, 110, 211, 110, 211, 120, 221, 130, 231}));

  auto plain = MakeEmbed("bias_term: false");
  plain->SetUp({&idx}, {&top});
  ASSERT_EQ(plain->blobs().size(), 1u);
  SetTable(plain.get());
  plain->Forward({&idx}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{30, 31, 0, 1, 10, 11, 10, 11, 20, 21, 30, 31}));
}

TEST(EmbedLayer, GradientAccumulatesPerIndex) {
  auto layer = MakeEmbed();
  Blob idx(std::vector<int>{4}), top;
  FillValues(&idx, {1, 3, 1, 1});
  layer->SetUp({&idx}, {&top});
  layer->Forward({&idx}, {&top});
  float* dy = top.mutable_cpu_diff();
  for (int i = 0; i < 8; ++i) dy[i] = static_cast<float>(i + 1);  // rows (1,2) (3,4) (5,6) (7,8)
  for (auto& b : layer->blobs()) std::fill_n(b->mutable_cpu_diff(), b->count(), 0.f);
  layer->Backward({&top}, {false}, {&idx});
  EXPECT_EQ(DiffOf(*layer->blobs()[0]), (std::vector<float>{0, 0, 1 + 5 + 7, 2 + 6 + 8, 0, 0, 3, 4}));
  EXPECT_EQ(DiffOf(*layer->blobs()[1]), (std::vector<float>{16, 20}));
  layer->Backward({&top}, {false}, {&idx});  // parameter gradients add up
  EXPECT_EQ(DiffOf(*layer->blobs()[1]), (std::vector<float>{32, 40}));
}

void Indices(int, Blob* b) {
  for (int i = 0; i < b->count(); ++i) b->mutable_cpu_data()[i] = static_cast<float>((i * 5 + 2) % 4);
}

TEST(EmbedLayer, Gradient) {
  Context::set_random_seed(4);
  auto layer = MakeEmbed("weight_filler { type: 'gaussian' } bias_filler { type: 'gaussian' }");
  Blob idx(std::vector<int>{3, 2}), top;
  Indices(0, &idx);
  EXPECT_FALSE(layer->AllowForceBackward(0));
  test::CheckGradient(*layer, {&idx}, {&top});
}

TEST(EmbedLayer, NoGradientIntoTheIndices) {
  auto layer = MakeEmbed();
  Blob idx(std::vector<int>{2}), top;
  FillValues(&idx, {0, 1});
  layer->SetUp({&idx}, {&top});
  layer->Forward({&idx}, {&top});
  const std::string msg = test::ErrorOf([&] { layer->Backward({&top}, {true}, {&idx}); });
  EXPECT_NE(msg.find("layer 'embed' (Embed): cannot backpropagate to the indices"), std::string::npos) << msg;
}

void ExpectBadIndexError(float bad, const std::string& shown) {
  auto layer = MakeEmbed();
  Blob idx(std::vector<int>{3}), top;
  FillValues(&idx, {1, bad, 2});
  layer->SetUp({&idx}, {&top});
  SetTable(layer.get());
  std::fill_n(top.mutable_cpu_data(), top.count(), -7.f);
  const std::string msg = test::ErrorOf([&] { layer->Forward({&idx}, {&top}); });
  EXPECT_NE(msg.find("layer 'embed' (Embed): index " + shown + " at position 1 of the input is not an integer in "
                     "[0, 4)"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  // Nothing was written before the error.
  for (int i = 0; i < top.count(); ++i) EXPECT_EQ(top.cpu_data()[i], -7.f);
}

TEST(EmbedLayer, BadIndexIsAnErrorNamingIt) {
  ExpectBadIndexError(4, "4");
  ExpectBadIndexError(-1, "-1");
  ExpectBadIndexError(1.5f, "1.5");
  ExpectBadIndexError(std::numeric_limits<float>::quiet_NaN(), "nan");
  ExpectBadIndexError(1e10f, "1e+10");
}

TEST(EmbedLayer, ParameterErrors) {
  Blob idx(std::vector<int>{2}), top;
  auto no_dim = LayerRegistry::Create(ParseLayer("name: 'e' type: 'Embed' embed_param { num_output: 2 }"));
  EXPECT_NE(test::ErrorOf([&] { no_dim->SetUp({&idx}, {&top}); }).find("input_dim"), std::string::npos);
  auto no_out = LayerRegistry::Create(ParseLayer("name: 'e' type: 'Embed' embed_param { input_dim: 2 }"));
  EXPECT_NE(test::ErrorOf([&] { no_out->SetUp({&idx}, {&top}); }).find("num_output"), std::string::npos);
}

TEST(EmbedLayerGpu, MatchesCpuWithRepeatedIndices) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.fill = Indices;
  opt.propagate_down = {false};
  // Many items on few rows: the weight gradient's atomicAdds collide.
  test::ExpectGpuMatchesCpu(ParseLayer("name: 'embed' type: 'Embed' bottom: 'idx' top: 'y' embed_param { num_output: 33 input_dim: 4 "
                                       "weight_filler { type: 'gaussian' } bias_filler { type: 'gaussian' } }"),
                            {{50, 7}}, opt);
}

TEST(EmbedLayerGpu, BadIndexIsAnError) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = MakeEmbed();
  Blob idx(std::vector<int>{3}), top;
  FillValues(&idx, {1, 2, 9});
  layer->SetUp({&idx}, {&top});
  const std::string msg = test::ErrorOf([&] { layer->Forward({&idx}, {&top}); });
  EXPECT_NE(msg.find("index 9 at position 2"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cnn
