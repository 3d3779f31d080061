// The window of a convolution over images of channels x spatial axes:
// ConvGeometry for exactly two spatial axes (the fast 2-D im2col and the
// depthwise loops take it), ConvGeometryNd for any number up to
// kMaxConvAxes (Convolution, Deconvolution and Im2col hold this one).
//
// ConvGeometryNd is a plain struct of fixed-size arrays so that CUDA kernels
// take it by value; its arithmetic, and the per-axis tap formulas below, are
// CNN_HD, so the CPU loops and the GPU kernels compute the same indices.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// A 2-D patch geometry over images of channels x height x width.
struct ConvGeometry {
  int channels = 0;
  int height = 0;
  int width = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int pad_h = 0;
  int pad_w = 0;
  int stride_h = 1;
  int stride_w = 1;
  int dilation_h = 1;
  int dilation_w = 1;

  // Span of the (dilated) kernel in input pixels.
  int extent_h() const { return dilation_h * (kernel_h - 1) + 1; }
  int extent_w() const { return dilation_w * (kernel_w - 1) + 1; }
  int out_h() const { return (height + 2 * pad_h - extent_h()) / stride_h + 1; }
  int out_w() const { return (width + 2 * pad_w - extent_w()) / stride_w + 1; }
  int out_size() const { return out_h() * out_w(); }
  int image_size() const { return channels * height * width; }
  // Rows of the column matrix: one per (channel, kernel row, kernel column).
  int col_rows() const { return channels * kernel_h * kernel_w; }
};

// Spatial axes a ConvGeometryNd holds. Its arrays travel by value into every
// im2col kernel launch, so the bound stays small; cuDNN's own limit is
// CUDNN_DIM_MAX = 8 dimensions, i.e. 6 spatial axes.
constexpr int kMaxConvAxes = 6;

// Along one axis: the input coordinate that kernel tap k reads for output
// coordinate o (outside [0, in) it is padding).
CNN_HD int ConvTapInput(int o, int k, int stride, int pad, int dilation) { return o * stride - pad + k * dilation; }

// The inverse: the output coordinate whose tap k reads input coordinate x,
// or -1 where no output does (x falls between strides, or past the ends).
CNN_HD int ConvTapOutput(int x, int k, int stride, int pad, int dilation, int out) {
  const int p = x + pad - k * dilation;
  if (p < 0 || p % stride != 0) return -1;
  const int o = p / stride;
  return o < out ? o : -1;
}

struct ConvGeometryNd {
  int axes = 0;  // spatial axes in use: 1 .. kMaxConvAxes
  int channels = 0;
  int in[kMaxConvAxes] = {};  // input (image) size per spatial axis
  int kernel[kMaxConvAxes] = {};
  int pad[kMaxConvAxes] = {};
  int stride[kMaxConvAxes] = {};
  int dilation[kMaxConvAxes] = {};

  CNN_HD int extent(int a) const { return dilation[a] * (kernel[a] - 1) + 1; }
  CNN_HD int out(int a) const { return (in[a] + 2 * pad[a] - extent(a)) / stride[a] + 1; }
  CNN_HD int out_size() const {
    int n = 1;
    for (int a = 0; a < axes; ++a) n *= out(a);
    return n;
  }
  CNN_HD int in_size() const {
    int n = 1;
    for (int a = 0; a < axes; ++a) n *= in[a];
    return n;
  }
  // Kernel taps per channel.
  CNN_HD int taps() const {
    int n = 1;
    for (int a = 0; a < axes; ++a) n *= kernel[a];
    return n;
  }
  CNN_HD int image_size() const { return channels * in_size(); }
  // Rows of the column matrix: one per (channel, tap).
  CNN_HD int col_rows() const { return channels * taps(); }

  bool is_1x1() const {
    for (int a = 0; a < axes; ++a) {
      if (kernel[a] != 1 || stride[a] != 1 || pad[a] != 0) return false;
    }
    return true;
  }
  // One or two spatial axes have a 2-D form: a single axis becomes the
  // width of images one pixel high (kernel 1, no padding along the height).
  bool has_2d_form() const { return axes == 1 || axes == 2; }
  ConvGeometry As2d() const {
    ConvGeometry g;
    const int w = axes - 1;  // the width is the last axis
    g.channels = channels;
    g.width = in[w];
    g.kernel_w = kernel[w];
    g.pad_w = pad[w];
    g.stride_w = stride[w];
    g.dilation_w = dilation[w];
    if (axes == 2) {
      g.height = in[0];
      g.kernel_h = kernel[0];
      g.pad_h = pad[0];
      g.stride_h = stride[0];
      g.dilation_h = dilation[0];
    } else {
      g.height = 1;
    }
    return g;
  }
};

// Per-axis coordinates of position `index` in the row-major output grid.
CNN_HD void ConvOutCoords(const ConvGeometryNd& g, int index, int* o) {
  for (int a = g.axes - 1; a >= 0; --a) {
    const int n = g.out(a);
    o[a] = index % n;
    index /= n;
  }
}

// Per-axis coordinates of pixel `index` in the row-major input grid.
CNN_HD void ConvInCoords(const ConvGeometryNd& g, int index, int* x) {
  for (int a = g.axes - 1; a >= 0; --a) {
    x[a] = index % g.in[a];
    index /= g.in[a];
  }
}

// Per-axis kernel coordinates of tap t (row-major over the kernel).
CNN_HD void ConvTapCoords(const ConvGeometryNd& g, int t, int* k) {
  for (int a = g.axes - 1; a >= 0; --a) {
    k[a] = t % g.kernel[a];
    t /= g.kernel[a];
  }
}

// The offset within one input channel that the tap at kernel coordinates k
// reads for the output at coordinates o, or -1 where it reads padding.
CNN_HD int ConvTapOffsetAt(const ConvGeometryNd& g, const int* o, const int* k) {
  int offset = 0;
  for (int a = 0; a < g.axes; ++a) {
    const int x = ConvTapInput(o[a], k[a], g.stride[a], g.pad[a], g.dilation[a]);
    if (x < 0 || x >= g.in[a]) return -1;
    offset = offset * g.in[a] + x;
  }
  return offset;
}

// The same for tap t (row-major over the kernel). im2col on both devices
// goes through ConvTapOffsetAt.
CNN_HD int ConvTapOffset(const ConvGeometryNd& g, const int* o, int t) {
  int k[kMaxConvAxes];
  ConvTapCoords(g, t, k);
  return ConvTapOffsetAt(g, o, k);
}

// The inverse, for col2im's gather: the output position (row-major) whose
// tap t reads the input pixel at coordinates x, or -1 where none does.
CNN_HD int ConvTapPosition(const ConvGeometryNd& g, const int* x, int t) {
  int k[kMaxConvAxes];
  ConvTapCoords(g, t, k);
  int position = 0;
  for (int a = 0; a < g.axes; ++a) {
    const int n = g.out(a);
    const int o = ConvTapOutput(x[a], k[a], g.stride[a], g.pad[a], g.dilation[a], n);
    if (o < 0) return -1;
    position = position * n + o;
  }
  return position;
}

}  // namespace cnn
