// The new shape layers inside a net: aliasing (Reshape's data and diff,
// Parameter's blob), Silence ending a branch, Slice's backward, and the net's
// backward decisions around ArgMax and Filter's selector.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

std::unique_ptr<Net> MakeNet(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << text;
  p.mutable_state()->set_phase(TRAIN);
  Context::set_random_seed(1701);
  return std::make_unique<Net>(p);
}

const char* kNet = R"(
  name: "shapes" force_backward: true
  layer { name: "in" type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 dim: 2 dim: 2 } } }
  layer { name: "flat" type: "Reshape" bottom: "data" top: "flat" reshape_param { shape { dim: 0 dim: -1 } } }
  layer { name: "cut" type: "Slice" bottom: "flat" top: "a" top: "b" slice_param { slice_point: 5 } }
  layer { name: "quiet" type: "Silence" bottom: "b" }
  layer { name: "p" type: "Parameter" top: "p" parameter_param { shape { dim: 4 dim: 5 } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "a" bottom: "p" top: "loss" }
  layer { name: "best" type: "ArgMax" bottom: "flat" top: "best" }
)";

TEST(ShapeLayersInNet, ForwardBackwardThroughAliasesAndSilence) {
  auto net = MakeNet(kNet);
  Blob* data = net->blob_by_name("data").get();
  Context::set_random_seed(3);
  test::FillGaussian(data);
  Blob* param = net->learnable_params().at(0);
  ASSERT_EQ(param->shape(), (std::vector<int>{4, 5}));
  float* p = param->mutable_cpu_data();
  for (int i = 0; i < 20; ++i) p[i] = 0.1f * static_cast<float>(i);

  const float loss = net->ForwardBackward();
  const float* x = data->cpu_data();
  double expected = 0;
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 5; ++j) expected += (x[n * 12 + j] - p[n * 5 + j]) * (x[n * 12 + j] - p[n * 5 + j]);
  EXPECT_NEAR(loss, expected / 8, 1e-5);

  // d loss / d a = (a - p) / N lands in data's diff through Slice and
  // Reshape; the silenced part gets 0; the parameter gets the negative.
  const float* dx = data->cpu_diff();
  const float* dp = param->cpu_diff();
  for (int n = 0; n < 4; ++n) {
    for (int j = 0; j < 12; ++j) {
      const float want = j < 5 ? (x[n * 12 + j] - p[n * 5 + j]) / 4 : 0.f;
      EXPECT_NEAR(dx[n * 12 + j], want, 1e-6) << n << " " << j;
      if (j < 5) EXPECT_NEAR(dp[n * 5 + j], -want, 1e-6);
    }
  }
  // ArgMax has no gradient, so the forced backward skips it.
  const Blob* best = net->blob_by_name("best").get();
  EXPECT_EQ(best->shape(), (std::vector<int>{4, 1, 1}));
}

TEST(ShapeLayersInNet, FilterAndBatchReindexInANet) {
  auto net = MakeNet(R"(
    name: "pick"
    layer { name: "in" type: "Input" top: "data" top: "sel" top: "idx"
            input_param { shape { dim: 4 dim: 3 } shape { dim: 4 } shape { dim: 3 } } }
    layer { name: "f" type: "Filter" bottom: "data" bottom: "sel" top: "kept" }
    layer { name: "r" type: "BatchReindex" bottom: "data" bottom: "idx" top: "picked" }
    layer { name: "sum" type: "Reduction" bottom: "kept" top: "s" reduction_param { axis: 1 } }
    layer { name: "tile" type: "Tile" bottom: "picked" top: "t" tile_param { tiles: 2 } }
  )");
  Blob* data = net->blob_by_name("data").get();
  for (int i = 0; i < 12; ++i) data->mutable_cpu_data()[i] = static_cast<float>(i);
  const std::vector<float> sel = {0, 1, 0, 1}, idx = {3, 3, 0};
  std::copy(sel.begin(), sel.end(), net->blob_by_name("sel")->mutable_cpu_data());
  std::copy(idx.begin(), idx.end(), net->blob_by_name("idx")->mutable_cpu_data());
  net->Forward();
  EXPECT_EQ(test::DataOf(*net->blob_by_name("s")), (std::vector<float>{12, 30}));
  const Blob& t = *net->blob_by_name("t");
  EXPECT_EQ(t.shape(), (std::vector<int>{3, 6}));
  EXPECT_EQ(test::DataOf(t), (std::vector<float>{9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 0, 1, 2, 0, 1, 2}));
}

}  // namespace
}  // namespace cnn
