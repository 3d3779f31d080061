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

std::unique_ptr<Layer> Make(const std::string& conv) {
  return LayerRegistry::Create(ParseLayer(R"(name: "cols" type: "Im2col" convolution_param { )" + conv + " }"));
}

std::vector<float> Iota(int n, float start = 0) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

std::vector<float> Columns(const std::string& conv, Blob* in, std::vector<int>* shape) {
  auto layer = Make(conv);
  Blob top;
  layer->SetUp({in}, {&top});
  layer->Forward({in}, {&top});
  *shape = top.shape();
  return DataOf(top);
}

TEST(Im2colLayer, EachKernelTapBecomesAChannel) {
  Blob in(1, 1, 3, 3);
  FillValues(&in, Iota(9));
  std::vector<int> shape;
  EXPECT_EQ(Columns("kernel_size: 2", &in, &shape),
            (std::vector<float>{0, 1, 3, 4, 1, 2, 4, 5, 3, 4, 6, 7, 4, 5, 7, 8}));
  EXPECT_EQ(shape, (std::vector<int>{1, 4, 2, 2}));
  // Padding reads as zeros.
  EXPECT_EQ(Columns("kernel_size: 2 stride: 2 pad: 1", &in, &shape),
            (std::vector<float>{0, 0, 0, 4, 0, 0, 3, 5, 0, 1, 0, 7, 0, 2, 6, 8}));
  EXPECT_EQ(shape, (std::vector<int>{1, 4, 2, 2}));
  EXPECT_EQ(Columns("kernel_size: 2 dilation: 2", &in, &shape), (std::vector<float>{0, 2, 6, 8}));
  EXPECT_EQ(shape, (std::vector<int>{1, 4, 1, 1}));
}

TEST(Im2colLayer, ChannelsItemsAndRectangularGeometry) {
  Blob in(2, 2, 2, 3);
  FillValues(&in, Iota(24));
  std::vector<int> shape;
  // A 1 x 3 window over each 2 x 3 plane: one column per row, three taps.
  const std::vector<float> cols = Columns("kernel_h: 1 kernel_w: 3", &in, &shape);
  EXPECT_EQ(shape, (std::vector<int>{2, 6, 2, 1}));
  EXPECT_EQ(cols, (std::vector<float>{0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11,  //
                                      12, 15, 13, 16, 14, 17, 18, 21, 19, 22, 20, 23}));
  Blob deep({2, 3, 2, 5, 4});
  Columns("kernel_size: 3 axis: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0", &deep, &shape);
  EXPECT_EQ(shape, (std::vector<int>{2, 3, 18, 3, 2}));
}

TEST(Im2colLayer, BackwardSumsEveryTapOfAPixel) {
  auto layer = Make("kernel_size: 2");
  Blob in(1, 1, 3, 3), top;
  layer->SetUp({&in}, {&top});
  std::fill_n(top.mutable_cpu_diff(), top.count(), 1.f);
  layer->Backward({&top}, {true}, {&in});
  EXPECT_EQ(std::vector<float>(in.cpu_diff(), in.cpu_diff() + 9), (std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

TEST(Im2colLayer, BadParametersNameLayerParameterAndShapes) {
  Blob in(1, 2, 3, 3), top, flat({2, 3});
  std::string msg = ErrorOf([&] { Make("kernel_size: 5")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("layer 'cols' (Im2col)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("kernel 5x5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3x3"), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("kernel_size: 2")->SetUp({&flat}, {&top}); });
  EXPECT_NE(msg.find("spatial axes"), std::string::npos) << msg;
  EXPECT_NE(msg.find(flat.shape_string()), std::string::npos) << msg;
  msg = ErrorOf([&] { Make("")->SetUp({&in}, {&top}); });
  EXPECT_NE(msg.find("kernel_size"), std::string::npos) << msg;
  EXPECT_THROW(Make("kernel_size: 2 axis: 4")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2 stride: 0")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2 dilation: 0")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2 kernel_size: 2 kernel_size: 2")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2 kernel_h: 2 kernel_w: 2")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2 pad: 1 pad_h: 1")->SetUp({&in}, {&top}), Error);
  EXPECT_THROW(Make("kernel_size: 2")->SetUp({&in}, {&in}), Error);
}

TEST(Im2colLayer, Gradient) {
  auto layer = Make("kernel_size: 3 stride: 2 pad: 1 dilation: 1");
  Blob in(2, 2, 5, 4), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
  auto dilated = Make("kernel_h: 2 kernel_w: 3 dilation: 2 pad: 1");
  CheckGradient(*dilated, {&in}, {&top});
}

// ---- GPU ----------------------------------------------------------------

TEST(Im2colGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  for (const char* p : {"kernel_size: 3", "kernel_size: 3 stride: 2 pad: 1", "kernel_h: 2 kernel_w: 5 dilation: 2",
                        "kernel_size: 1"}) {
    SCOPED_TRACE(p);
    test::ExpectGpuMatchesCpu(
        ParseLayer(std::string(R"(name: "cols" type: "Im2col" bottom: "x" top: "y" convolution_param { )") + p + " }"),
        {{3, 4, 9, 11}}, opt);
  }
}

TEST(Im2colGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make("kernel_size: 3 stride: 2 pad: 1");
  Blob in(2, 2, 5, 4), top;
  Context::set_random_seed(1711);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
}

}  // namespace
}  // namespace cnn
