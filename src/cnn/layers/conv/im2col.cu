#include "cnn/layers/conv/im2col.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

// ConvGeometry's accessors are host functions; kernels get the derived
// sizes precomputed.
struct Shape {
  int channels, height, width;
  int kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w;
  int out_h, out_w;
  long long ld;  // row length of the column matrix: num * out_h * out_w

  Shape(const ConvGeometry& g, int num)
      : channels(g.channels),
        height(g.height),
        width(g.width),
        kernel_h(g.kernel_h),
        kernel_w(g.kernel_w),
        pad_h(g.pad_h),
        pad_w(g.pad_w),
        stride_h(g.stride_h),
        stride_w(g.stride_w),
        dilation_h(g.dilation_h),
        dilation_w(g.dilation_w),
        out_h(g.out_h()),
        out_w(g.out_w()),
        ld(static_cast<long long>(num) * g.out_h() * g.out_w()) {}
};

// One thread per (channel, column): it writes that column's kernel_h *
// kernel_w rows for the channel. Neighbouring threads own neighbouring
// columns, so every store of a warp is contiguous.
__global__ void Im2ColKernel(long long n, const float* __restrict__ im, Shape s, float* __restrict__ col) {
  const int out_size = s.out_h * s.out_w;
  const long long plane = static_cast<long long>(s.height) * s.width;
  const long long taps = static_cast<long long>(s.kernel_h) * s.kernel_w;
  CNN_KERNEL_LOOP(i, n) {
    const long long column = i % s.ld;
    const int c = static_cast<int>(i / s.ld);
    const int image = static_cast<int>(column / out_size);
    const int pos = static_cast<int>(column % out_size);
    const int h0 = (pos / s.out_w) * s.stride_h - s.pad_h;
    const int w0 = (pos % s.out_w) * s.stride_w - s.pad_w;
    const float* src = im + (static_cast<long long>(image) * s.channels + c) * plane;
    float* dst = col + c * taps * s.ld + column;
    for (int ki = 0; ki < s.kernel_h; ++ki) {
      const int h = h0 + ki * s.dilation_h;
      const bool row_inside = h >= 0 && h < s.height;
      for (int kj = 0; kj < s.kernel_w; ++kj) {
        const int w = w0 + kj * s.dilation_w;
        *dst = row_inside && w >= 0 && w < s.width ? src[static_cast<long long>(h) * s.width + w] : 0.f;
        dst += s.ld;
      }
    }
  }
}

// One thread per image pixel (image, c, h, w): tap (ki, kj) read this pixel
// for output (oh, ow) when h = oh * stride_h - pad_h + ki * dilation_h (and
// likewise along w), so the taps are visited in the CPU's order and each
// matching column entry is added.
__global__ void Col2ImKernel(long long n, const float* __restrict__ col, Shape s, float* __restrict__ im) {
  const int out_size = s.out_h * s.out_w;
  CNN_KERNEL_LOOP(i, n) {
    const int w = static_cast<int>(i % s.width);
    const int h = static_cast<int>((i / s.width) % s.height);
    const long long plane_index = i / (static_cast<long long>(s.width) * s.height);
    const int c = static_cast<int>(plane_index % s.channels);
    const long long image = plane_index / s.channels;
    const float* src = col + image * out_size;
    float sum = 0.f;
    for (int ki = 0; ki < s.kernel_h; ++ki) {
      const int hp = h + s.pad_h - ki * s.dilation_h;
      if (hp < 0 || hp % s.stride_h != 0) continue;
      const int oh = hp / s.stride_h;
      if (oh >= s.out_h) continue;
      for (int kj = 0; kj < s.kernel_w; ++kj) {
        const int wp = w + s.pad_w - kj * s.dilation_w;
        if (wp < 0 || wp % s.stride_w != 0) continue;
        const int ow = wp / s.stride_w;
        if (ow >= s.out_w) continue;
        const long long row = (static_cast<long long>(c) * s.kernel_h + ki) * s.kernel_w + kj;
        sum += src[row * s.ld + oh * s.out_w + ow];
      }
    }
    im[i] = sum;
  }
}

}  // namespace

void Im2ColGpu(const float* im, int num, const ConvGeometry& g, float* col) {
  const Shape s(g, num);
  const long long n = static_cast<long long>(g.channels) * s.ld;
  if (n <= 0) return;
  Im2ColKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, im, s, col);
  CNN_KERNEL_CHECK();
}

void Col2ImGpu(const float* col, int num, const ConvGeometry& g, float* im) {
  const Shape s(g, num);
  const long long n = static_cast<long long>(num) * g.image_size();
  if (n <= 0) return;
  Col2ImKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, col, s, im);
  CNN_KERNEL_CHECK();
}

namespace {

// The generic kernels mirror the 2-D ones, one thread per (channel, column)
// and one per image pixel, with the per-axis index arithmetic of
// conv_geometry.hpp. ld: the column matrix's row length, num * out_size.
__global__ void Im2ColNdKernel(long long n, const float* __restrict__ im, ConvGeometryNd g, long long ld,
                               float* __restrict__ col) {
  const int out_size = g.out_size();
  const int taps = g.taps();
  const long long plane = g.in_size();
  CNN_KERNEL_LOOP(i, n) {
    const long long column = i % ld;
    const int c = static_cast<int>(i / ld);
    const long long image = column / out_size;
    int o[kMaxConvAxes];
    ConvOutCoords(g, static_cast<int>(column % out_size), o);
    const float* src = im + (image * g.channels + c) * plane;
    float* dst = col + static_cast<long long>(c) * taps * ld + column;
    for (int t = 0; t < taps; ++t, dst += ld) {
      const int offset = ConvTapOffset(g, o, t);
      *dst = offset >= 0 ? src[offset] : 0.f;
    }
  }
}

__global__ void Col2ImNdKernel(long long n, const float* __restrict__ col, ConvGeometryNd g, long long ld,
                               float* __restrict__ im) {
  const int out_size = g.out_size();
  const int taps = g.taps();
  const long long plane = g.in_size();
  CNN_KERNEL_LOOP(i, n) {
    const long long plane_index = i / plane;
    const int c = static_cast<int>(plane_index % g.channels);
    const long long image = plane_index / g.channels;
    int x[kMaxConvAxes];
    ConvInCoords(g, static_cast<int>(i % plane), x);
    const float* src = col + static_cast<long long>(c) * taps * ld + image * out_size;
    float sum = 0.f;
    for (int t = 0; t < taps; ++t) {
      const int position = ConvTapPosition(g, x, t);
      if (position >= 0) sum += src[t * ld + position];
    }
    im[i] = sum;
  }
}

}  // namespace

void Im2ColNdGpu(const float* im, int num, const ConvGeometryNd& g, float* col) {
  const long long ld = static_cast<long long>(num) * g.out_size();
  const long long n = static_cast<long long>(g.channels) * ld;
  if (n <= 0) return;
  Im2ColNdKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, im, g, ld, col);
  CNN_KERNEL_CHECK();
}

void Col2ImNdGpu(const float* col, int num, const ConvGeometryNd& g, float* im) {
  const long long ld = static_cast<long long>(num) * g.out_size();
  const long long n = static_cast<long long>(num) * g.image_size();
  if (n <= 0) return;
  Col2ImNdKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, col, g, ld, im);
  CNN_KERNEL_CHECK();
}

void Im2ColGpu(const float* im, int num, const ConvGeometryNd& g, float* col, bool generic) {
  return g.has_2d_form() && !generic ? Im2ColGpu(im, num, g.As2d(), col) : Im2ColNdGpu(im, num, g, col);
}

void Col2ImGpu(const float* col, int num, const ConvGeometryNd& g, float* im, bool generic) {
  return g.has_2d_form() && !generic ? Col2ImGpu(col, num, g.As2d(), im) : Col2ImNdGpu(col, num, g, im);
}

}  // namespace cnn
