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

std::unique_ptr<Layer> Make(const std::string& param) {
  return LayerRegistry::Create(ParseLayer(R"(name: "crop" type: "Crop" )" + param));
}

std::vector<float> Iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST(CropLayer, DefaultAxisCropsHeightAndWidthAtOffsetZero) {
  auto layer = Make("");
  Blob in(1, 2, 3, 4), ref(5, 7, 2, 2), top;
  FillValues(&in, Iota(24));
  layer->SetUp({&in, &ref}, {&top});
  layer->Forward({&in, &ref}, {&top});
  // N and C are kept from bottom 0; H, W come from bottom 1.
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 2, 2, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{0, 1, 4, 5, 12, 13, 16, 17}));
}

TEST(CropLayer, OneOffsetForEveryCroppedAxis) {
  auto layer = Make("crop_param { offset: 1 }");
  Blob in(1, 2, 3, 4), ref(1, 1, 2, 2), top;
  FillValues(&in, Iota(24));
  layer->SetUp({&in, &ref}, {&top});
  layer->Forward({&in, &ref}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{5, 6, 9, 10, 17, 18, 21, 22}));
}

TEST(CropLayer, OffsetPerAxisFromAxisOne) {
  auto layer = Make("crop_param { axis: 1 offset: 1 offset: 0 offset: 2 }");
  Blob in(1, 2, 3, 4), ref(9, 1, 2, 2), top;
  FillValues(&in, Iota(24));
  layer->SetUp({&in, &ref}, {&top});
  layer->Forward({&in, &ref}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 1, 2, 2}));
  // Channel 1 (from 12), rows 0-1, columns 2-3.
  EXPECT_EQ(DataOf(top), (std::vector<float>{14, 15, 18, 19}));
}

TEST(CropLayer, NegativeAxisAndAxisZero) {
  Blob in({3, 4}), ref({2, 2}), top;
  FillValues(&in, Iota(12));
  auto last = Make("crop_param { axis: -1 offset: 2 }");
  last->SetUp({&in, &ref}, {&top});
  last->Forward({&in, &ref}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{3, 2}));
  EXPECT_EQ(DataOf(top), (std::vector<float>{2, 3, 6, 7, 10, 11}));
  auto all = Make("crop_param { axis: 0 offset: 1 offset: 1 }");
  all->SetUp({&in, &ref}, {&top});
  all->Forward({&in, &ref}, {&top});
  EXPECT_EQ(DataOf(top), (std::vector<float>{5, 6, 9, 10}));
}

TEST(CropLayer, BackwardPadsWithZerosAndGivesBottomOneNothing) {
  auto layer = Make("crop_param { axis: 0 offset: 1 }");
  Blob in({3, 3}), ref({1, 2}), top;
  layer->SetUp({&in, &ref}, {&top});
  layer->Forward({&in, &ref}, {&top});
  top.mutable_cpu_diff()[0] = 1.f;
  top.mutable_cpu_diff()[1] = 2.f;
  in.mutable_cpu_diff()[0] = 9.f;
  ref.mutable_cpu_diff()[0] = 9.f;
  layer->Backward({&top}, {true, true}, {&in, &ref});
  EXPECT_EQ(std::vector<float>(in.cpu_diff(), in.cpu_diff() + 9), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 0}));
  EXPECT_EQ(ref.asum_diff(), 0.f);
}

TEST(CropLayer, BadParametersNameLayerParameterAndShapes) {
  Blob in(1, 2, 3, 4), ref(1, 2, 2, 2), big(1, 2, 4, 2), top;
  std::string msg = ErrorOf([&] { Make("")->SetUp({&in, &big}, {&top}); });
  EXPECT_NE(msg.find("layer 'crop' (Crop)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("axis 2 to size 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find(in.shape_string()), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("crop_param { offset: 0 offset: 3 }")->SetUp({&in, &ref}, {&top}); });
  EXPECT_NE(msg.find("axis 3 to size 2 at offset 3"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("crop_param { offset: 1 offset: 1 offset: 1 }")->SetUp({&in, &ref}, {&top}); });
  EXPECT_NE(msg.find("3 offset values for 2 cropped axes"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("crop_param { axis: 4 }")->SetUp({&in, &ref}, {&top}); });
  EXPECT_NE(msg.find("axis 4 out of range"), std::string::npos) << msg;
  EXPECT_THROW(Make("crop_param { offset: 2 }")->SetUp({&in, &ref}, {&top}), Error);
  EXPECT_THROW(Make("crop_param { axis: -5 }")->SetUp({&in, &ref}, {&top}), Error);
  Blob flat({1, 2});
  EXPECT_THROW(Make("")->SetUp({&in, &flat}, {&top}), Error);
  EXPECT_THROW(Make("")->SetUp({&in, &ref}, {&in}), Error);
}

TEST(CropLayer, Gradient) {
  auto layer = Make("crop_param { axis: 1 offset: 1 offset: 0 offset: 2 }");
  Blob in(2, 3, 3, 5), ref(1, 2, 2, 2), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  test::GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&in, &ref}, {&top}, opt);
}

// ---- GPU ----------------------------------------------------------------

LayerParameter GpuParam(const std::string& param) {
  return ParseLayer(R"(name: "crop" type: "Crop" bottom: "x" bottom: "ref" top: "y" )" + param);
}

TEST(CropGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(GpuParam(""), {{3, 4, 9, 11}, {1, 1, 5, 6}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("crop_param { offset: 2 }"), {{3, 4, 9, 11}, {1, 1, 5, 6}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("crop_param { axis: 1 offset: 1 offset: 3 offset: 0 }"),
                            {{3, 4, 9, 11}, {1, 2, 5, 6}}, opt);
  test::ExpectGpuMatchesCpu(GpuParam("crop_param { axis: 0 offset: 1 }"), {{5, 7}, {3, 2}}, opt);
}

TEST(CropGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("crop_param { offset: 1 }");
  Blob in(2, 2, 4, 5), ref(1, 1, 2, 3), top;
  Context::set_random_seed(1711);
  FillGaussian(&in);
  test::GradientCheckOptions opt;
  opt.bottoms = {0};
  CheckGradient(*layer, {&in, &ref}, {&top}, opt);
}

}  // namespace
}  // namespace cnn
