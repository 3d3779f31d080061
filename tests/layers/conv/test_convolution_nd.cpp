// Convolution, Deconvolution and Im2col over one, two, three and four
// spatial axes (Caffe's N-D convolution) against direct loops written here,
// their gradients, the input checks, and the GPU engines against the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/conv/convolution_layer.hpp"
#include "layers/conv/nd_index.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::Flat;
using test::Next;

using test::CheckGradient;
using test::DataOf;
using test::ErrorOf;
using test::FillGaussian;
using test::ParseLayer;

// A layer's convolution_param, written with one repeated value per axis
// (a single value where every axis has the same, as a user would).
struct Spec {
  int num_output = 2;
  std::vector<int> kernel = {3};
  std::vector<int> stride, pad, dilation;  // empty: the defaults
  int group = 1;
  int axis = 1;
  bool bias = true;
  bool force_nd = false;
};

std::string Repeated(const char* name, const std::vector<int>& values) {
  std::string s;
  for (int v : values) s += std::string(" ") + name + ": " + std::to_string(v);
  return s;
}

std::string Text(const std::string& type, const Spec& s, const std::string& engine = "") {
  std::ostringstream t;
  t << "name: 'nd' type: '" << type << "' convolution_param { num_output: " << s.num_output
    << Repeated("kernel_size", s.kernel) << Repeated("stride", s.stride) << Repeated("pad", s.pad)
    << Repeated("dilation", s.dilation) << " group: " << s.group << " axis: " << s.axis
    << " bias_term: " << (s.bias ? "true" : "false") << " force_nd_im2col: " << (s.force_nd ? "true" : "false")
    << (engine.empty() ? "" : " engine: " + engine)
    << " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 } }";
  return t.str();
}

std::unique_ptr<Layer> Make(const std::string& text) { return LayerRegistry::Create(ParseLayer(text)); }

// A spec value for axis a (one value stands for every axis).
int At(const std::vector<int>& v, int a, int fallback) {
  if (v.empty()) return fallback;
  return v.size() == 1 ? v[0] : v[a];
}

int Product(const std::vector<int>& v) {
  int p = 1;
  for (int x : v) p *= x;
  return p;
}

// A direct N-D convolution of an image blob `image` (outer x channels x
// spatial, outer the axes before the channel axis) into `outputs` channels
// with weights (outputs, channels / group, kernel...). Calls f(output index,
// image index, weight index) for every product whose image pixel is not
// padding. Deconvolution's forward pass is this enumeration with the roles
// swapped: its top is the image, its bottom the output.
struct Direct {
  int outer = 1, channels = 0, outputs = 0, group = 1;
  std::vector<int> in, kernel, pad, stride, dilation, out;

  Direct(const std::vector<int>& image_shape, int axis, int num_outputs, const Spec& s) {
    for (int a = 0; a < axis; ++a) outer *= image_shape[a];
    channels = image_shape[axis];
    outputs = num_outputs;
    group = s.group;
    for (size_t a = axis + 1; a < image_shape.size(); ++a) {
      const int i = static_cast<int>(a) - axis - 1;
      in.push_back(image_shape[a]);
      kernel.push_back(At(s.kernel, i, 0));
      pad.push_back(At(s.pad, i, 0));
      stride.push_back(At(s.stride, i, 1));
      dilation.push_back(At(s.dilation, i, 1));
      out.push_back((in.back() + 2 * pad.back() - (dilation.back() * (kernel.back() - 1) + 1)) / stride.back() + 1);
    }
  }

  template <typename F>
  void ForEachTerm(F f) const {
    const int axes = static_cast<int>(in.size());
    const int cg = channels / group, mg = outputs / group;
    for (int n = 0; n < outer; ++n)
      for (int m = 0; m < outputs; ++m) {
        const int g = m / mg;
        std::vector<int> o(axes, 0);
        do {
          const int top = (n * outputs + m) * Product(out) + Flat(o, out);
          for (int c = 0; c < cg; ++c) {
            std::vector<int> k(axes, 0);
            do {
              std::vector<int> x(axes);
              bool inside = true;
              for (int a = 0; a < axes; ++a) {
                x[a] = o[a] * stride[a] - pad[a] + k[a] * dilation[a];
                inside = inside && x[a] >= 0 && x[a] < in[a];
              }
              if (!inside) continue;
              f(top, (n * channels + g * cg + c) * Product(in) + Flat(x, in),
                (m * cg + c) * Product(kernel) + Flat(k, kernel));
            } while (Next(&k, kernel));
          }
        } while (Next(&o, out));
      }
  }
};

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << what << " element " << i;
  }
}

// Runs a Convolution forward and compares it with the direct loops.
// convolution_param.axis as an index (negative counts from the end).
int ChannelAxis(const Spec& s, const std::vector<int>& shape) {
  return s.axis < 0 ? s.axis + static_cast<int>(shape.size()) : s.axis;
}

void ExpectConvMatches(const Spec& s, const std::vector<int>& shape, const std::vector<int>& expected_top) {
  SCOPED_TRACE(Text("Convolution", s));
  const int axis = ChannelAxis(s, shape);
  Context::set_random_seed(31);
  auto layer = Make(Text("Convolution", s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(top.shape(), expected_top);
  layer->Forward({&bottom}, {&top});

  const Direct d(shape, axis, s.num_output, s);
  std::vector<int> weight_shape = {s.num_output, shape[axis] / s.group};
  weight_shape.insert(weight_shape.end(), d.kernel.begin(), d.kernel.end());
  ASSERT_EQ(layer->blobs()[0]->shape(), weight_shape);
  const float* x = bottom.cpu_data();
  const float* w = layer->blobs()[0]->cpu_data();
  std::vector<double> want(top.count(), 0.0);
  d.ForEachTerm([&](int t, int i, int k) { want[t] += static_cast<double>(x[i]) * w[k]; });
  if (s.bias) {
    const int spatial = Product(d.out);
    for (size_t t = 0; t < want.size(); ++t) want[t] += layer->blobs()[1]->cpu_data()[(t / spatial) % s.num_output];
  }
  ExpectNear(DataOf(top), want, "top");
}

Spec Window(int num_output, const std::vector<int>& kernel, const std::vector<int>& stride, const std::vector<int>& pad,
            const std::vector<int>& dilation, int group) {
  Spec s;
  s.num_output = num_output;
  s.kernel = kernel;
  s.stride = stride;
  s.pad = pad;
  s.dilation = dilation;
  s.group = group;
  return s;
}

// Groups, stride, pad and dilation at once, differing per axis in 3-D.
Spec Make1d() { return Window(4, {3}, {2}, {1}, {2}, 2); }
Spec Conv3d() { return Window(4, {3, 2, 3}, {2, 1, 1}, {1, 0, 2}, {1, 2, 1}, 2); }
Spec Deconv3d() { return Window(4, {3, 2, 3}, {2, 1, 2}, {1, 0, 1}, {1, 2, 1}, 2); }

TEST(ConvolutionNd, OneSpatialAxisMatchesDirectLoops) {
  ExpectConvMatches(Make1d(), {2, 4, 11}, {2, 4, 5});  // (11 + 2 - 5) / 2 + 1 = 5
  Spec plain;
  plain.kernel = {4};
  plain.bias = false;
  ExpectConvMatches(plain, {3, 2, 9}, {3, 2, 6});
}

TEST(ConvolutionNd, TwoSpatialAxesMatchDirectLoops) {
  Spec s = Window(6, {3, 2}, {2, 1}, {1, 0}, {1, 2}, 3);
  ExpectConvMatches(s, {2, 3, 7, 6}, {2, 6, 4, 4});
  s.force_nd = true;  // the generic im2col loops, same answer
  ExpectConvMatches(s, {2, 3, 7, 6}, {2, 6, 4, 4});
}

TEST(ConvolutionNd, ThreeSpatialAxesMatchDirectLoops) {
  const Spec s = Conv3d();
  // D: (5 + 2 - 3) / 2 + 1 = 3; H: (6 - 3) / 1 + 1 = 4; W: (4 + 4 - 3) + 1 = 6.
  ExpectConvMatches(s, {2, 4, 5, 6, 4}, {2, 4, 3, 4, 6});
  Spec cube;
  cube.num_output = 3;
  cube.kernel = {3};
  cube.pad = {1};
  ExpectConvMatches(cube, {1, 2, 4, 4, 4}, {1, 3, 4, 4, 4});
  Spec one;  // 1x1x1: the lowering multiplies the input directly
  one.num_output = 3;
  one.kernel = {1};
  ExpectConvMatches(one, {2, 2, 3, 2, 4}, {2, 3, 3, 2, 4});
}

TEST(ConvolutionNd, FourSpatialAxesMatchDirectLoops) {
  Spec s;
  s.num_output = 2;
  s.kernel = {2, 1, 2, 3};
  s.stride = {1, 2, 1, 1};
  s.pad = {0, 0, 1, 1};
  ExpectConvMatches(s, {1, 2, 3, 3, 3, 4}, {1, 2, 2, 2, 4, 4});
}

TEST(ConvolutionNd, ChannelAxisOtherThanOne) {
  // axis 2: the first two axes are batch-like, the two after the channel
  // axis spatial; a negative axis counts from the end.
  Spec s;
  s.num_output = 3;
  s.kernel = {2, 3};
  s.pad = {1};
  s.axis = 2;
  ExpectConvMatches(s, {2, 3, 2, 4, 5}, {2, 3, 3, 5, 5});
  Spec one_d;
  one_d.num_output = 2;
  one_d.kernel = {3};
  one_d.axis = -2;  // shape (4, 3, 6): channel axis 1, one spatial axis
  ExpectConvMatches(one_d, {4, 3, 6}, {4, 2, 4});
  Spec three_d;
  three_d.num_output = 2;
  three_d.kernel = {2};
  three_d.axis = 2;  // (2, 2, C=3, 3, 3, 3)
  ExpectConvMatches(three_d, {2, 2, 3, 3, 3, 3}, {2, 2, 2, 2, 2, 2});
}

TEST(ConvolutionNd, DepthwiseOverOneAxisAndGroupedOverThree) {
  // group == channels: one spatial axis takes the direct depthwise loops
  // (as images one pixel high), three take the grouped lowering.
  Spec s;
  s.num_output = 6;
  s.kernel = {3};
  s.pad = {1};
  s.group = 3;
  ExpectConvMatches(s, {2, 3, 8}, {2, 6, 8});
  ExpectConvMatches(s, {2, 3, 4, 3, 5}, {2, 6, 4, 3, 5});
  auto one = Make(Text("Convolution", s));
  auto three = Make(Text("Convolution", s));
  Blob b1(std::vector<int>{1, 3, 8}), b3(std::vector<int>{1, 3, 4, 3, 5}), t;
  one->SetUp({&b1}, {&t});
  three->SetUp({&b3}, {&t});
  EXPECT_TRUE(static_cast<ConvolutionLayer*>(one.get())->uses_depthwise());
  EXPECT_FALSE(static_cast<ConvolutionLayer*>(three.get())->uses_depthwise());
}

// Deconvolution: top[x] += bottom[o] * w where x is what the transposed
// convolution (image: the top, output: the bottom) reads at o.
void ExpectDeconvMatches(const Spec& s, const std::vector<int>& shape, const std::vector<int>& expected_top) {
  SCOPED_TRACE(Text("Deconvolution", s));
  const int axis = ChannelAxis(s, shape);
  Context::set_random_seed(37);
  auto layer = Make(Text("Deconvolution", s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  layer->SetUp({&bottom}, {&top});
  ASSERT_EQ(top.shape(), expected_top);
  layer->Forward({&bottom}, {&top});

  const Direct d(expected_top, axis, shape[axis], s);
  ASSERT_EQ(d.out, std::vector<int>(shape.begin() + axis + 1, shape.end()));
  std::vector<int> weight_shape = {shape[axis], s.num_output / s.group};
  weight_shape.insert(weight_shape.end(), d.kernel.begin(), d.kernel.end());
  ASSERT_EQ(layer->blobs()[0]->shape(), weight_shape);
  const float* x = bottom.cpu_data();
  const float* w = layer->blobs()[0]->cpu_data();
  std::vector<double> want(top.count(), 0.0);
  d.ForEachTerm([&](int o, int t, int k) { want[t] += static_cast<double>(x[o]) * w[k]; });
  if (s.bias) {
    const int spatial = Product(d.in);
    for (size_t t = 0; t < want.size(); ++t) want[t] += layer->blobs()[1]->cpu_data()[(t / spatial) % s.num_output];
  }
  ExpectNear(DataOf(top), want, "top");
}

TEST(DeconvolutionNd, OneSpatialAxisMatchesDirectLoops) {
  // 2 * (5 - 1) + 2 * (3 - 1) + 1 - 2 * 1 = 11.
  ExpectDeconvMatches(Make1d(), {2, 4, 5}, {2, 4, 11});
  Spec plain;
  plain.kernel = {2};
  plain.stride = {2};
  ExpectDeconvMatches(plain, {1, 3, 4}, {1, 2, 8});
}

TEST(DeconvolutionNd, ThreeSpatialAxesMatchDirectLoops) {
  Spec s = Deconv3d();
  // D: 2 * 2 + 3 - 2 = 5; H: 3 + 3 = 6; W: 2 * 3 + 3 - 2 = 7.
  ExpectDeconvMatches(s, {2, 2, 3, 4, 4}, {2, 4, 5, 6, 7});
  Spec cube;
  cube.num_output = 2;
  cube.kernel = {2};
  cube.stride = {2};
  cube.bias = false;
  ExpectDeconvMatches(cube, {1, 3, 2, 3, 2}, {1, 2, 4, 6, 4});
  s.force_nd = true;  // changes nothing in 3-D; still the same answer
  s.axis = 2;
  ExpectDeconvMatches(s, {2, 1, 2, 3, 4, 4}, {2, 1, 4, 5, 6, 7});
}

// ---- gradients ---------------------------------------------------------------

void GradientCase(const std::string& type, const Spec& s, const std::vector<int>& shape) {
  SCOPED_TRACE(Text(type, s));
  Context::set_random_seed(77);
  auto layer = Make(Text(type, s));
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  CheckGradient(*layer, {&bottom}, {&top});
}

TEST(ConvolutionNd, Gradient1d) {
  GradientCase("Convolution", Make1d(), {2, 4, 9});
  Spec depthwise;
  depthwise.num_output = 2;
  depthwise.group = 2;
  depthwise.pad = {2};
  GradientCase("Convolution", depthwise, {2, 2, 6});
}

TEST(ConvolutionNd, Gradient3d) {
  GradientCase("Convolution", Window(4, {2, 3, 2}, {1, 2, 1}, {1, 1, 0}, {1, 1, 2}, 2), {2, 2, 3, 4, 4});
}

TEST(DeconvolutionNd, Gradient1d) { GradientCase("Deconvolution", Make1d(), {2, 4, 4}); }

TEST(DeconvolutionNd, Gradient3d) {
  GradientCase("Deconvolution", Window(2, {2, 3, 2}, {2, 1, 1}, {0, 1, 0}, {1, 1, 2}, 1), {1, 2, 2, 3, 2});
}

// ---- Im2col over three axes ---------------------------------------------------

TEST(Im2colNd, ThreeAxesEachTapBecomesAChannel) {
  // Channel (c, kd, kh, kw) of the top holds, at output (od, oh, ow), input
  // pixel (od * s - p + kd, ...) of channel c, or 0 in the padding.
  auto layer = Make(
      "name: 'cols' type: 'Im2col' convolution_param { kernel_size: 2 kernel_size: 3 kernel_size: 2 "
      "stride: 1 stride: 2 stride: 1 pad: 0 pad: 1 pad: 1 }");
  Blob in(std::vector<int>{2, 2, 3, 4, 3}), top;
  for (int i = 0; i < in.count(); ++i) in.mutable_cpu_data()[i] = static_cast<float>(i + 1);
  layer->SetUp({&in}, {&top});
  // D: 3 - 2 + 1 = 2; H: (4 + 2 - 3) / 2 + 1 = 2; W: 3 + 2 - 2 + 1 = 4.
  ASSERT_EQ(top.shape(), (std::vector<int>{2, 2 * 12, 2, 2, 4}));
  layer->Forward({&in}, {&top});
  const int kernel[3] = {2, 3, 2}, stride[3] = {1, 2, 1}, pad[3] = {0, 1, 1}, size[3] = {3, 4, 3}, out[3] = {2, 2, 4};
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int kd = 0; kd < kernel[0]; ++kd)
        for (int kh = 0; kh < kernel[1]; ++kh)
          for (int kw = 0; kw < kernel[2]; ++kw)
            for (int od = 0; od < out[0]; ++od)
              for (int oh = 0; oh < out[1]; ++oh)
                for (int ow = 0; ow < out[2]; ++ow) {
                  const int d = od * stride[0] - pad[0] + kd, h = oh * stride[1] - pad[1] + kh,
                            w = ow * stride[2] - pad[2] + kw;
                  const bool inside = d >= 0 && d < size[0] && h >= 0 && h < size[1] && w >= 0 && w < size[2];
                  const float want =
                      inside ? in.cpu_data()[(((n * 2 + c) * size[0] + d) * size[1] + h) * size[2] + w] : 0.f;
                  const int channel = ((c * kernel[0] + kd) * kernel[1] + kh) * kernel[2] + kw;
                  EXPECT_EQ(top.cpu_data()[(((n * 24 + channel) * out[0] + od) * out[1] + oh) * out[2] + ow], want);
                }
}

TEST(Im2colNd, Gradient3d) {
  auto layer = Make(
      "name: 'cols' type: 'Im2col' convolution_param { kernel_size: 2 stride: 2 stride: 1 stride: 1 "
      "pad: 1 dilation: 1 dilation: 1 dilation: 2 }");
  Blob in(std::vector<int>{2, 2, 3, 3, 4}), top;
  Context::set_random_seed(1701);
  FillGaussian(&in);
  CheckGradient(*layer, {&in}, {&top});
}

// ---- bad input: one line naming the layer, the parameter and the shapes ---------

std::string SetUpError(const std::string& text, const std::vector<int>& shape) {
  auto layer = Make(text);
  Blob bottom(shape), top;
  const std::string msg = ErrorOf([&] { layer->SetUp({&bottom}, {&top}); });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

void ExpectParts(const std::string& msg, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
}

TEST(ConvolutionNd, BadInputNamesLayerParameterAndShapes) {
  for (const char* type : {"Convolution", "Deconvolution"}) {
    SCOPED_TRACE(type);
    const std::string head = std::string("name: 'nd' type: '") + type + "' convolution_param { num_output: 2 ";
    const std::string layer = std::string("layer 'nd' (") + type + "): ";
    // Three kernel values for two spatial axes.
    ExpectParts(SetUpError(head + "kernel_size: 3 kernel_size: 3 kernel_size: 3 }", {1, 1, 5, 5}),
                {layer, "kernel_size has 3 values", "1 1 5 5", "2 spatial axes"});
    // Two dilation values for three spatial axes.
    ExpectParts(SetUpError(head + "kernel_size: 2 dilation: 1 dilation: 2 }", {1, 1, 4, 4, 4}),
                {layer, "dilation has 2 values", "1 1 4 4 4", "3 spatial axes"});
    // The 2-D-only fields on a 3-D input.
    ExpectParts(SetUpError(head + "kernel_h: 2 kernel_w: 2 }", {1, 1, 4, 4, 4}),
                {layer, "kernel_h/kernel_w", "2 spatial axes only", "1 1 4 4 4", "kernel_size"});
    ExpectParts(SetUpError(head + "kernel_size: 2 stride_h: 2 stride_w: 1 }", {1, 1, 4, 4, 4}),
                {layer, "stride_h/stride_w", "1 1 4 4 4"});
    ExpectParts(SetUpError(head + "kernel_size: 2 pad_h: 1 }", {1, 1, 4}), {layer, "pad_h/pad_w", "1 1 4"});
    // The channel axis out of range, and inputs with no or too many spatial axes.
    ExpectParts(SetUpError(head + "kernel_size: 2 axis: 4 }", {1, 1, 4, 4}), {layer, "axis 4", "1 1 4 4"});
    ExpectParts(SetUpError(head + "kernel_size: 2 axis: -5 }", {1, 1, 4, 4}), {layer, "axis -5", "1 1 4 4"});
    ExpectParts(SetUpError(head + "kernel_size: 1 }", {4, 3}), {layer, "spatial axes", "4 3"});
    ExpectParts(SetUpError(head + "kernel_size: 1 axis: 3 }", {1, 2, 2, 2}), {layer, "spatial axes", "1 2 2 2"});
    ExpectParts(SetUpError(head + "kernel_size: 1 }", {1, 1, 1, 1, 1, 1, 1, 1, 1}),
                {layer, "1 to 6 spatial axes", "got 7"});
    ExpectParts(SetUpError(head + "kernel_size: 2 kernel_size: 0 kernel_size: 2 }", {1, 1, 4, 4, 4}),
                {layer, "kernel must be positive", "2x0x2"});
  }
  // A kernel larger than the padded input (Convolution and Im2col; a
  // deconvolution's output grows instead).
  ExpectParts(SetUpError("name: 'nd' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 3 "
                         "kernel_size: 5 kernel_size: 3 pad: 0 pad: 0 pad: 1 }",
                         {1, 2, 4, 4, 2}),
              {"layer 'nd' (Convolution): ", "kernel 3x5x3", "padded input 4x4x4", "1 2 4 4 2", "pad 0x0x1"});
  ExpectParts(SetUpError("name: 'nd' type: 'Im2col' convolution_param { kernel_size: 3 dilation: 3 }", {1, 2, 6}),
              {"layer 'nd' (Im2col): ", "kernel 3", "extent 7", "padded input 6", "1 2 6"});
  ExpectParts(SetUpError("name: 'nd' type: 'Im2col' convolution_param { kernel_size: 2 kernel_h: 2 kernel_w: 2 }",
                         {1, 2, 6, 6, 6}),
              {"layer 'nd' (Im2col): ", "kernel_h/kernel_w", "1 2 6 6 6"});
  // A deconvolution whose output would not be positive, per axis.
  ExpectParts(SetUpError("name: 'nd' type: 'Deconvolution' convolution_param { num_output: 1 kernel_size: 1 "
                         "pad: 0 pad: 1 pad: 0 }",
                         {1, 1, 2, 1, 2}),
              {"layer 'nd' (Deconvolution): ", "output size 2x-1x2", "1 1 2 1 2", "pad 0x1x0"});
}

TEST(ConvolutionNd, HugeWindowsAreErrorsNotOverflows) {
  // Values past 2^24, and windows whose sizes pass an int, are refused
  // before any arithmetic on them could overflow.
  ExpectParts(SetUpError("name: 'nd' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 4294967295 }",
                         {1, 1, 4}),
              {"layer 'nd' (Convolution): ", "kernel_size value 4294967295 is too large"});
  ExpectParts(SetUpError("name: 'nd' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 2 "
                         "pad_h: 4294967295 }",
                         {1, 1, 4, 4}),
              {"pad value 4294967295 is too large"});
  // Six axes of 1024 taps over a padded single pixel: 2^60 column rows.
  ExpectParts(SetUpError("name: 'nd' type: 'Im2col' convolution_param { kernel_size: 1024 pad: 512 }",
                         {1, 1, 1, 1, 1, 1, 1, 1}),
              {"layer 'nd' (Im2col): ", "window too large", "1 1 1 1 1 1 1 1"});
  ExpectParts(SetUpError("name: 'nd' type: 'Convolution' convolution_param { num_output: 1 kernel_size: 1024 "
                         "pad: 512 }",
                         {1, 1, 1, 1, 1, 1, 1, 1}),
              {"layer 'nd' (Convolution): ", "weights 1 1 1024 1024 1024 1024 1024 1024", "window too large"});
  // A deconvolution whose output passes an int along one axis.
  ExpectParts(SetUpError("name: 'nd' type: 'Deconvolution' convolution_param { num_output: 1 kernel_size: 1 "
                         "stride: 16777216 }",
                         {1, 1, 300}),
              {"layer 'nd' (Deconvolution): ", "output size 5016387585 too large", "1 1 300"});
}

TEST(ConvolutionNd, ReshapeKeepsTheNumberOfSpatialAxes) {
  for (const char* type : {"Convolution", "Deconvolution", "Im2col"}) {
    SCOPED_TRACE(type);
    auto layer =
        Make(std::string("name: 'nd' type: '") + type + "' convolution_param { num_output: 2 kernel_size: 2 }");
    Blob bottom(std::vector<int>{1, 2, 3, 3, 3}), top;
    layer->SetUp({&bottom}, {&top});
    bottom.Reshape(std::vector<int>{2, 2, 4, 3, 5});  // new sizes are fine
    layer->Reshape({&bottom}, {&top});
    bottom.Reshape(std::vector<int>{1, 2, 3, 3});
    const std::string msg = ErrorOf([&] { layer->Reshape({&bottom}, {&top}); });
    ExpectParts(msg, {std::string("layer 'nd' (") + type + "): ", "3 spatial axes", "1 2 3 3"});
  }
}

// ---- GPU: CAFFE (im2col lowering) and CUDNN engines against the CPU ------------

void ExpectGpuMatchesCpu(const std::string& type, const Spec& s, const std::vector<int>& shape) {
  for (const char* engine : {"CAFFE", "CUDNN"}) {
#ifndef CNN_WITH_CUDNN
    if (std::string(engine) == "CUDNN") continue;
#endif
    const std::string text = Text(type, s, engine) + " bottom: 'in' top: 'out'";
    SCOPED_TRACE(text);
    test::GpuCompareOptions options;
    options.tolerance = 1e-4f;
    test::ExpectGpuMatchesCpu(ParseLayer(text), {shape}, options);
  }
}

TEST(ConvolutionNdGpu, MatchesCpu1d) {
  SKIP_WITHOUT_GPU();
  ExpectGpuMatchesCpu("Convolution", Make1d(), {3, 4, 13});
  Spec depthwise;
  depthwise.num_output = 4;
  depthwise.group = 4;
  depthwise.pad = {1};
  ExpectGpuMatchesCpu("Convolution", depthwise, {2, 4, 9});
}

TEST(ConvolutionNdGpu, MatchesCpu3d) {
  SKIP_WITHOUT_GPU();
  Spec s = Conv3d();
  ExpectGpuMatchesCpu("Convolution", s, {2, 4, 5, 6, 4});
  s.axis = 2;
  ExpectGpuMatchesCpu("Convolution", s, {2, 1, 4, 5, 6, 4});
}

TEST(ConvolutionNdGpu, MatchesCpu4dAndForcedNd) {
  // Four spatial axes: cuDNN's engine runs the CAFFE lowering; force_nd_im2col
  // sends 2-D through the generic kernels.
  SKIP_WITHOUT_GPU();
  Spec s;
  s.kernel = {2, 1, 2, 3};
  s.pad = {0, 0, 1, 1};
  ExpectGpuMatchesCpu("Convolution", s, {2, 2, 3, 3, 3, 4});
  Spec forced;
  forced.num_output = 3;
  forced.kernel = {3, 2};
  forced.stride = {2};
  forced.pad = {1};
  forced.force_nd = true;
  ExpectGpuMatchesCpu("Convolution", forced, {2, 2, 7, 6});
}

TEST(DeconvolutionNdGpu, MatchesCpu1dAnd3d) {
  SKIP_WITHOUT_GPU();
  ExpectGpuMatchesCpu("Deconvolution", Make1d(), {2, 4, 5});
  ExpectGpuMatchesCpu("Deconvolution", Deconv3d(), {2, 2, 3, 4, 4});
}

TEST(Im2colNdGpu, MatchesCpu3d) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(ParseLayer("name: 'cols' type: 'Im2col' bottom: 'x' top: 'y' convolution_param { "
                                       "kernel_size: 2 kernel_size: 3 kernel_size: 2 stride: 2 pad: 1 }"),
                            {{2, 3, 4, 5, 3}}, opt);
}

}  // namespace
}  // namespace cnn
