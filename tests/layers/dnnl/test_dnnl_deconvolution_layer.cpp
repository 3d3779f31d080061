// DnnlDeconvolutionLayer: groups, stride, pad, dilation over one to three
// spatial axes against CAFFE (weight gradients added over two calls), a
// known answer, and where our own code runs.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cnn/layers/dnnl/dnnl_deconvolution_layer.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using namespace dnnl_check;

const std::string kFill = " weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'gaussian' std: 0.3 } ";

LayerParameter Deconv(const std::string& geometry, int bottoms = 1) {
  return LayerOf("Deconvolution", "convolution_param { " + geometry + kFill + "}", bottoms);
}

TEST(DnnlDeconvolution, FallsBackWhereOneDnnDiffers) {
  using L = DnnlDeconvolutionLayer;
  EXPECT_TRUE(UsesDnnl<L>(Deconv("num_output: 4 kernel_size: 3 stride: 2 pad: 1 group: 2"), {{2, 4, 5, 5}}));
  EXPECT_TRUE(UsesDnnl<L>(Deconv("num_output: 2 kernel_size: 3 dilation: 2"), {{1, 2, 7}}));
  EXPECT_TRUE(UsesDnnl<L>(Deconv("num_output: 2 kernel_size: 2 stride: 2"), {{1, 2, 3, 3, 3}}));
  EXPECT_FALSE(UsesDnnl<L>(Deconv("num_output: 2 kernel_size: 3 stride: 2 pad: 1 padding_mode: REFLECT"),
                           {{1, 2, 4, 4}}));
  EXPECT_FALSE(UsesDnnl<L>(Deconv("num_output: 2 kernel_size: 3 force_nd_im2col: true"), {{1, 2, 4, 4}}));
  EXPECT_FALSE(UsesDnnl<L>(Deconv("num_output: 2 kernel_size: 1"), {{1, 2, 2, 2, 2, 2}}));
}

TEST(DnnlDeconvolution, KnownAnswer) {
  // Stride 2, a 2x2 kernel 1, 2, 3, 4, bias 0.5: each input pixel v paints
  // v * kernel + 0.5 into its own 2x2 block of the top.
  Blob x(1, 1, 1, 2), y;
  test::FillValues(&x, {1.f, 10.f});
  auto layer = LayerRegistry::Create(WithEngine(
      LayerOf("Deconvolution", "convolution_param { num_output: 1 kernel_size: 2 stride: 2 "
                               "bias_filler { type: 'constant' value: 0.5 } }"),
      Engine::DNNL));
  layer->SetUp({&x}, {&y});
  test::FillValues(layer->blobs()[0].get(), {1.f, 2.f, 3.f, 4.f});
  layer->Forward({&x}, {&y});
  ASSERT_TRUE(dynamic_cast<DnnlDeconvolutionLayer&>(*layer).uses_dnnl());
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 2, 4}));
  EXPECT_EQ(test::DataOf(y), (std::vector<float>{1.5f, 2.5f, 10.5f, 20.5f, 3.5f, 4.5f, 30.5f, 40.5f}));
  // dL/dy = 1: dx sums the kernel, dw sums the inputs, db counts the top.
  float* dy = y.mutable_cpu_diff();
  for (int i = 0; i < 8; ++i) dy[i] = 1.f;
  layer->Backward({&y}, {true}, {&x});
  EXPECT_EQ(test::DiffOf(x), (std::vector<float>{10.f, 10.f}));
  EXPECT_EQ(test::DiffOf(*layer->blobs()[0]), (std::vector<float>{11.f, 11.f, 11.f, 11.f}));
  EXPECT_EQ(test::DiffOf(*layer->blobs()[1]), (std::vector<float>{8.f}));
}

TEST(DnnlDeconvolution, MatchesCaffe) {
  const std::vector<std::pair<std::string, std::vector<int>>> cases = {
      {"num_output: 5 kernel_size: 3 stride: 2 pad: 1", {3, 6, 5, 4}},
      {"num_output: 8 group: 2 kernel_h: 3 kernel_w: 4 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2", {3, 6, 5, 6}},
      {"num_output: 6 group: 6 kernel_size: 4 stride: 2 pad: 1", {2, 6, 4, 4}},
      {"num_output: 6 group: 3 kernel_size: 3 dilation: 2 pad: 2 stride: 2", {2, 3, 5, 5}},
      {"num_output: 4 kernel_size: 1 stride: 1 bias_term: false", {2, 6, 3, 5}},
      {"num_output: 4 group: 2 kernel_size: 3 stride: 2 pad: 1 dilation: 2", {2, 4, 9}},
      {"num_output: 3 kernel_size: 2 kernel_size: 3 kernel_size: 2 stride: 2 stride: 1 stride: 2 pad: 0 pad: 1 "
       "pad: 0",
       {2, 4, 2, 3, 2}},
  };
  for (const auto& [g, shape] : cases) {
    SCOPED_TRACE(g);
    ExpectEnginesAgree<DnnlDeconvolutionLayer>(Deconv(g), {shape}, 1e-4f);
  }
}

}  // namespace
}  // namespace cnn
