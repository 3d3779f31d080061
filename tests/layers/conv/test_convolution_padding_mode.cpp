// Convolution and Deconvolution with padding_mode REFLECT, REPLICATE and
// CIRCULAR. Convolution is checked against a direct loop over the input
// padded by the independent rule of padding_reference.hpp (PyTorch's Conv
// padding_mode); Deconvolution against its definition as Convolution's
// adjoint, <Conv_M x, y> == <x, Deconv_M y> with shared weights. Plus
// gradients, GPU against CPU, and the parameter errors.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/padding_reference.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillGaussian;
using test::ParseLayer;

const PaddingMode kModes[] = {REFLECT, REPLICATE, CIRCULAR};

std::unique_ptr<Layer> Make(const std::string& type, const std::string& conv_param) {
  return LayerRegistry::Create(ParseLayer("name: 'conv' type: '" + type + "' convolution_param { " + conv_param +
                                          " weight_filler { type: 'gaussian' std: 0.5 }"
                                          " bias_filler { type: 'gaussian' std: 0.5 } }"));
}

// A window over any number of spatial axes, written out as
// convolution_param text (one kernel_size, stride and pad value per axis).
struct Window {
  int num_output, group;
  std::vector<int> kernel, stride, pad;
  int dilation;
  std::string Param(PaddingMode mode) const {
    std::string text = "num_output: " + std::to_string(num_output) + " group: " + std::to_string(group) +
                       " dilation: " + std::to_string(dilation) + " padding_mode: " + PaddingMode_Name(mode);
    for (size_t a = 0; a < kernel.size(); ++a) {
      text += " kernel_size: " + std::to_string(kernel[a]) + " stride: " + std::to_string(stride[a]) +
              " pad: " + std::to_string(pad[a]);
    }
    return text;
  }
};

// y = bias + the grouped, strided, dilated correlation of the padded input
// (N x C x spatial...) with the weights (num_output, C / group, kernel...),
// pad 0, one output at a time.
std::vector<float> ReferenceConv(const std::vector<int>& padded_shape, const std::vector<float>& xp, const Window& g,
                                 const float* weight, const float* bias, std::vector<int>* out_shape) {
  const int N = padded_shape[0], C = padded_shape[1], axes = static_cast<int>(g.kernel.size());
  std::vector<int> in(padded_shape.begin() + 2, padded_shape.end()), out(axes);
  int out_size = 1, taps = 1, in_size = 1;
  for (int a = 0; a < axes; ++a) {
    out[a] = (in[a] - g.dilation * (g.kernel[a] - 1) - 1) / g.stride[a] + 1;
    out_size *= out[a];
    taps *= g.kernel[a];
    in_size *= in[a];
  }
  const int in_per_group = C / g.group, out_per_group = g.num_output / g.group;
  std::vector<float> y;
  for (int n = 0; n < N; ++n) {
    for (int o = 0; o < g.num_output; ++o) {
      for (int pos = 0; pos < out_size; ++pos) {
        double sum = bias ? bias[o] : 0.0;
        for (int c = 0; c < in_per_group; ++c) {
          const int channel = o / out_per_group * in_per_group + c;
          for (int t = 0; t < taps; ++t) {
            // Split the output position and the tap into per-axis
            // coordinates (last axis fastest) and find the input they read.
            int rest_pos = pos, rest_tap = t, offset = 0, stride = 1;
            for (int a = axes - 1; a >= 0; --a) {
              const int oc = rest_pos % out[a], kc = rest_tap % g.kernel[a];
              rest_pos /= out[a];
              rest_tap /= g.kernel[a];
              offset += (oc * g.stride[a] + kc * g.dilation) * stride;
              stride *= in[a];
            }
            sum += static_cast<double>(weight[(o * in_per_group + c) * taps + t]) *
                   xp[(static_cast<size_t>(n) * C + channel) * in_size + offset];
          }
        }
        y.push_back(static_cast<float>(sum));
      }
    }
  }
  *out_shape = {N, g.num_output};
  out_shape->insert(out_shape->end(), out.begin(), out.end());
  return y;
}

void ExpectConvMatchesReference(const Window& g, const std::vector<int>& shape) {
  for (PaddingMode mode : kModes) {
    SCOPED_TRACE(g.Param(mode));
    auto layer = Make("Convolution", g.Param(mode));
    Blob bottom(shape), top;
    FillGaussian(&bottom);
    layer->SetUp({&bottom}, {&top});
    layer->Forward({&bottom}, {&top});
    std::vector<int> padded_shape, expected_shape;
    const std::vector<float> padded = test::ReferencePad(mode, shape, 2, g.pad, DataOf(bottom), &padded_shape);
    const std::vector<float> expected = ReferenceConv(padded_shape, padded, g, layer->blobs()[0]->cpu_data(),
                                                      layer->blobs()[1]->cpu_data(), &expected_shape);
    ASSERT_EQ(top.shape(), expected_shape);
    const std::vector<float> got = DataOf(top);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], expected[i], 1e-4f * (1 + std::fabs(expected[i]))) << i;
    }
  }
}

TEST(ConvolutionPaddingMode, MatchesReferenceOnPaddedInput) {
  ExpectConvMatchesReference({4, 1, {3, 3}, {1, 1}, {1, 1}, 1}, {2, 3, 5, 6});
}

TEST(ConvolutionPaddingMode, StridedDilatedAsymmetricGrouped) {
  ExpectConvMatchesReference({4, 2, {3, 2}, {2, 1}, {2, 1}, 2}, {2, 4, 6, 5});
}

// One and three spatial axes (nn.Conv1d, nn.Conv3d with padding_mode).
TEST(ConvolutionPaddingMode, OneAndThreeSpatialAxes) {
  ExpectConvMatchesReference({3, 1, {3}, {2}, {2}, 1}, {2, 2, 7});
  ExpectConvMatchesReference({2, 2, {2, 3, 2}, {1, 2, 1}, {1, 2, 1}, 1}, {1, 2, 3, 5, 4});
}

// A 1x1 kernel with a border and a depthwise layer (group == channels) run
// their own fast paths on the padded buffer.
TEST(ConvolutionPaddingMode, OneByOneAndDepthwise) {
  ExpectConvMatchesReference({3, 1, {1, 1}, {1, 1}, {1, 2}, 1}, {2, 2, 3, 4});
  ExpectConvMatchesReference({6, 3, {3, 3}, {2, 2}, {2, 2}, 1}, {1, 3, 5, 5});
}

// Every bottom gets its own border; bottom i still produces top i.
TEST(ConvolutionPaddingMode, SeveralBottoms) {
  auto layer = Make("Convolution", "num_output: 2 kernel_size: 3 pad: 1 padding_mode: CIRCULAR");
  Blob a(1, 2, 4, 4), b(1, 2, 4, 4), ta, tb, single;
  FillGaussian(&a);
  FillGaussian(&b);
  layer->SetUp({&a, &b}, {&ta, &tb});
  layer->Forward({&a, &b}, {&ta, &tb});
  layer->Reshape({&b}, {&single});
  layer->Forward({&b}, {&single});
  EXPECT_EQ(DataOf(tb), DataOf(single));
  EXPECT_NE(DataOf(ta), DataOf(tb));
}

TEST(ConvolutionPaddingMode, ExplicitZerosIsTheDefault) {
  for (const char* type : {"Convolution", "Deconvolution"}) {
    const std::string geometry = "num_output: 3 kernel_size: 3 stride: 2 pad: 1";
    auto plain = Make(type, geometry);
    auto zeros = Make(type, geometry + " padding_mode: ZEROS");
    Blob bottom(2, 2, 5, 5), top_plain, top_zeros;
    FillGaussian(&bottom);
    plain->SetUp({&bottom}, {&top_plain});
    zeros->SetUp({&bottom}, {&top_zeros});
    zeros->blobs()[0]->CopyFrom(*plain->blobs()[0]);
    zeros->blobs()[1]->CopyFrom(*plain->blobs()[1]);
    plain->Forward({&bottom}, {&top_plain});
    zeros->Forward({&bottom}, {&top_zeros});
    EXPECT_EQ(DataOf(top_plain), DataOf(top_zeros)) << type;
  }
}

double Dot(const Blob& a, const Blob& b) {
  double s = 0;
  for (int i = 0; i < a.count(); ++i) s += static_cast<double>(a.cpu_data()[i]) * b.cpu_data()[i];
  return s;
}

// Deconvolution with mode M is the adjoint of Convolution with mode M (and,
// for ZEROS, of Caffe's Convolution): with the same weights and no bias,
// <Conv_M x, y> == <x, Deconv_M y> for random x and y. The input sizes make
// the strided windows tile the padded input exactly, so the deconvolution's
// output has x's shape.
TEST(DeconvolutionPaddingMode, IsTheAdjointOfConvolution) {
  struct Case {
    std::string geometry;
    std::vector<int> x_shape;
  };
  const std::vector<Case> cases = {
      {"num_output: 3 kernel_size: 3 pad: 1", {2, 2, 5, 4}},
      {"num_output: 4 group: 2 kernel_size: 3 stride: 2 pad: 2", {1, 2, 7, 5}},
      {"num_output: 2 kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 pad_h: 2 pad_w: 1 dilation: 2", {2, 3, 5, 6}},
      {"num_output: 3 kernel_size: 3 stride: 2 pad: 2", {2, 2, 9}},
      {"num_output: 2 kernel_size: 2 kernel_size: 3 kernel_size: 2 stride: 2 stride: 1 stride: 1 pad: 1 pad: 2 pad: 1",
       {1, 2, 4, 5, 4}},
  };
  for (PaddingMode mode : {ZEROS, REFLECT, REPLICATE, CIRCULAR}) {
    for (const Case& c : cases) {
      const std::string param = c.geometry + " bias_term: false padding_mode: " + PaddingMode_Name(mode);
      SCOPED_TRACE(param);
      auto conv = Make("Convolution", param);
      Blob x(c.x_shape), conv_y, y, deconv_x;
      FillGaussian(&x);
      conv->SetUp({&x}, {&conv_y});
      conv->Forward({&x}, {&conv_y});
      // The deconvolution maps conv's output channels back to x's.
      std::string deconv_param = param;
      deconv_param.replace(deconv_param.find("num_output: ") + 12, 1, std::to_string(c.x_shape[1]));
      auto deconv = Make("Deconvolution", deconv_param);
      y.ReshapeLike(conv_y);
      FillGaussian(&y);
      deconv->SetUp({&y}, {&deconv_x});
      ASSERT_EQ(deconv->blobs()[0]->shape(), conv->blobs()[0]->shape());
      deconv->blobs()[0]->CopyFrom(*conv->blobs()[0]);
      deconv->Forward({&y}, {&deconv_x});
      ASSERT_EQ(deconv_x.shape(), x.shape());
      const double lhs = Dot(conv_y, y), rhs = Dot(x, deconv_x);
      EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs)));
    }
  }
}

// The deconvolution's output shape: the pad-0 transposed output less the
// border, as with zero padding.
TEST(DeconvolutionPaddingMode, OutputShapeAsCaffe) {
  auto layer = Make("Deconvolution", "num_output: 2 kernel_size: 4 stride: 2 pad: 1 padding_mode: REFLECT");
  Blob bottom(1, 3, 3, 5), top;
  layer->SetUp({&bottom}, {&top});
  EXPECT_EQ(top.shape(), (std::vector<int>{1, 2, 2 * 2 + 4 - 2, 2 * 4 + 4 - 2}));
}

TEST(ConvolutionPaddingMode, Gradients) {
  for (const char* type : {"Convolution", "Deconvolution"}) {
    for (PaddingMode mode : kModes) {
      SCOPED_TRACE(std::string(type) + " " + PaddingMode_Name(mode));
      auto layer = Make(type, std::string("num_output: 2 group: 2 kernel_size: 3 stride: 2 pad_h: 2 pad_w: 1 "
                                          "padding_mode: ") +
                                  PaddingMode_Name(mode));
      Blob bottom(2, 2, 4, 5), top;
      FillGaussian(&bottom);
      test::CheckGradient(*layer, {&bottom}, {&top});
    }
  }
}

TEST(ConvolutionPaddingMode, RejectsBordersTheModeCannotFill) {
  auto setup = [](const std::string& type, const std::string& param, std::vector<int> shape) {
    return test::ErrorOf([&] {
      auto layer = Make(type, param);
      Blob bottom(shape), top;
      layer->SetUp({&bottom}, {&top});
    });
  };
  const std::string conv =
      setup("Convolution", "num_output: 1 kernel_size: 3 pad: 3 padding_mode: REFLECT", {1, 1, 4, 3});
  EXPECT_NE(conv.find("layer 'conv' (Convolution): padding_mode REFLECT needs pad < size on every padded axis, got "
                      "pad 3 for axis 3 of size 3 (input shape 1x1x4x3)"),
            std::string::npos)
      << conv;
  // Deconvolution pads its output: a 4 x 3 input, kernel 2, stride 1 gives
  // 5 x 4 at pad 0, 1 x 2 once the border is taken off, too small to mirror
  // a border of 2.
  const std::string small =
      setup("Deconvolution", "num_output: 1 kernel_size: 2 pad_h: 2 pad_w: 1 padding_mode: REFLECT", {1, 1, 4, 3});
  EXPECT_NE(small.find("layer 'conv' (Deconvolution): padding_mode REFLECT needs pad < size on every padded axis, "
                       "got pad 2 for axis 2 of size 1 (output shape 1x1x1x2)"),
            std::string::npos)
      << small;
  const std::string empty =
      setup("Deconvolution", "num_output: 1 kernel_size: 2 pad: 2 padding_mode: REPLICATE", {1, 1, 2, 2});
  EXPECT_NE(empty.find("output size -1 along axis 2 is not positive"), std::string::npos) << empty;
}

// Im2col has no padded path: a mode other than ZEROS is an error, not zeros.
TEST(ConvolutionPaddingMode, Im2colRejectsOtherModes) {
  const std::string error = test::ErrorOf([] {
    auto layer = LayerRegistry::Create(
        ParseLayer("name: 'cols' type: 'Im2col' convolution_param { kernel_size: 3 pad: 1 padding_mode: REFLECT }"));
    Blob bottom(1, 1, 4, 4), top;
    layer->SetUp({&bottom}, {&top});
  });
  EXPECT_NE(error.find("layer 'cols' (Im2col): padding_mode REFLECT is not supported"), std::string::npos) << error;
}

TEST(ConvolutionPaddingMode, GpuMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (const char* type : {"Convolution", "Deconvolution"}) {
    for (LayerRegistry::Engine e : LayerRegistry::Engines(type)) {
      const char* engine = LayerRegistry::EngineName(e);
      for (PaddingMode mode : kModes) {
        for (const char* group : {"1", "2"}) {
          SCOPED_TRACE(std::string(type) + " " + engine + " group " + group + " " + PaddingMode_Name(mode));
          const LayerParameter param = ParseLayer(
              std::string("name: 'conv' type: '") + type + "' bottom: 'x' top: 'y' convolution_param { num_output: 4 group: " + group +
              " kernel_size: 3 stride: 2 pad_h: 2 pad_w: 1 engine: " + engine +
              " padding_mode: " + PaddingMode_Name(mode) +
              " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' "
              "std: 0.5 } }");
          test::GpuCompareOptions options;
          options.tolerance = 1e-3f;
          test::ExpectGpuMatchesCpu(param, {{2, 2, 5, 6}}, options);
        }
      }
    }
  }
}

}  // namespace
}  // namespace cnn
