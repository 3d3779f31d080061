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

std::unique_ptr<Layer> Make() {
  return LayerRegistry::Create(ParseLayer(R"(name: "reidx" type: "BatchReindex")"));
}

TEST(BatchReindexLayer, PicksRowsInIndexOrder) {
  auto layer = Make();
  Blob data({3, 2}), index({4}), top;
  FillValues(&data, {0, 1, 10, 11, 20, 21});
  FillValues(&index, {2, 0, 2, 1.7f});  // repeats allowed; 1.7 truncates to 1
  layer->SetUp({&data, &index}, {&top});
  layer->Forward({&data, &index}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{4, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{20, 21, 0, 1, 20, 21, 10, 11}));
}

TEST(BatchReindexLayer, BackwardAccumulatesRepeatsAndZeroesUnpickedRows) {
  auto layer = Make();
  Blob data({3, 1, 2}), index({3}), top;
  FillValues(&index, {2, 2, 0});
  layer->SetUp({&data, &index}, {&top});
  layer->Forward({&data, &index}, {&top});
  const std::vector<float> d = {1, 2, 10, 20, 100, 200};
  std::copy(d.begin(), d.end(), top.mutable_cpu_diff());
  std::fill_n(data.mutable_cpu_diff(), 6, 9.f);
  layer->Backward({&top}, {true, false}, {&data, &index});
  EXPECT_EQ(std::vector<float>(data.cpu_diff(), data.cpu_diff() + 6), (std::vector<float>{100, 200, 0, 0, 11, 22}));
}

TEST(BatchReindexLayer, BadInputsNameLayerAndShapes) {
  Blob data({3, 2}), index({2}), index2d({2, 1}), top;
  FillValues(&index, {0, 3});
  auto layer = Make();
  layer->SetUp({&data, &index}, {&top});
  std::string msg = ErrorOf([&] { layer->Forward({&data, &index}, {&top}); });
  EXPECT_NE(msg.find("layer 'reidx' (BatchReindex)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("index 3 (element 1 of bottom 1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find(data.shape_string()), std::string::npos) << msg;
  FillValues(&index, {-1, 0});
  EXPECT_THROW(layer->Forward({&data, &index}, {&top}), Error);
  msg = ErrorOf([&] { Make()->SetUp({&data, &index2d}, {&top}); });
  EXPECT_NE(msg.find("must be 1-D"), std::string::npos) << msg;
  FillValues(&index, {0, 1});
  layer->Forward({&data, &index}, {&top});
  EXPECT_FALSE(layer->AllowForceBackward(1));
  msg = ErrorOf([&] { layer->Backward({&top}, {true, true}, {&data, &index}); });
  EXPECT_NE(msg.find("cannot back-propagate to the index"), std::string::npos) << msg;
}

void FillIndex(Blob* index, const std::vector<float>& v) {
  FillValues(index, v);
}

TEST(BatchReindexLayer, Gradient) {
  auto layer = Make();
  Blob data({4, 2, 3}), index({5}), top;
  Context::set_random_seed(1701);
  FillGaussian(&data);
  FillIndex(&index, {3, 0, 3, 1, 3});
  test::GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&data, &index}, {&top}, opt);
}

// ---- GPU ----------------------------------------------------------------

TEST(BatchReindexGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;  // copies, and sums in the same order
  opt.propagate_down = {true, false};
  opt.fill = [](int i, Blob* b) {
    if (i == 0) {
      test::FillGaussian(b);
      return;
    }
    float* d = b->mutable_cpu_data();
    for (int k = 0; k < b->count(); ++k) d[k] = static_cast<float>((k * 7 + 3) % 6);  // rows 0-5, repeats, row 4 twice
  };
  test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "reidx" type: "BatchReindex" bottom: "x" bottom: "i" top: "y")"),
                            {{6, 3, 5, 4}, {11}}, opt);
}

TEST(BatchReindexGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob data({4, 2, 3}), index({6}), top;
  Context::set_random_seed(1711);
  FillGaussian(&data);
  FillIndex(&index, {1, 1, 0, 3, 1, 0});
  test::GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&data, &index}, {&top}, opt);
}

}  // namespace
}  // namespace cnn
