#include "cnn/layers/conv/im2col.hpp"

#include <algorithm>

#include "cnn/core/parallel.hpp"

namespace cnn {
namespace {

// Output positions o in [*lo, *hi) read input pixel o * stride + offset inside
// [0, in); the others read padding. Computing the range once per kernel tap
// keeps the bounds test out of the inner loops.
inline void InsideRange(int offset, int stride, int in, int out, int* lo, int* hi) {
  const int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
  *lo = std::min(first, out);
  *hi = std::max(*lo, std::min(last, out));
}

// Rows are short (LeNet's are 8 values): plain loops, which the compiler
// vectorises inline, measured faster than memcpy/memset calls.
inline void Zero(float* __restrict p, int n) {
  for (int i = 0; i < n; ++i) p[i] = 0.f;
}

// The rows of one image channel for one kernel tap: an out_h x out_w block.
void TapToColumns(const float* __restrict src, const ConvGeometry& g, int ki, int kj, int out_h, int out_w,
                  float* __restrict dst) {
  const int h_off = ki * g.dilation_h - g.pad_h;
  const int w_off = kj * g.dilation_w - g.pad_w;
  int h_lo, h_hi, w_lo, w_hi;
  InsideRange(h_off, g.stride_h, g.height, out_h, &h_lo, &h_hi);
  InsideRange(w_off, g.stride_w, g.width, out_w, &w_lo, &w_hi);
  Zero(dst, h_lo * out_w);
  const int sw = g.stride_w;
  const int64_t row_step = static_cast<int64_t>(g.stride_h) * g.width;
  const float* s = src + static_cast<int64_t>(h_lo * g.stride_h + h_off) * g.width + w_off;
  float* d = dst + h_lo * out_w;
  if (sw == 1) {
    for (int y = h_lo; y < h_hi; ++y, s += row_step, d += out_w) {
      Zero(d, w_lo);
      for (int x = w_lo; x < w_hi; ++x) d[x] = s[x];
      Zero(d + w_hi, out_w - w_hi);
    }
  } else {
    for (int y = h_lo; y < h_hi; ++y, s += row_step, d += out_w) {
      Zero(d, w_lo);
      for (int x = w_lo; x < w_hi; ++x) d[x] = s[x * sw];
      Zero(d + w_hi, out_w - w_hi);
    }
  }
  Zero(dst + h_hi * out_w, (out_h - h_hi) * out_w);
}

// Adds one tap's out_h x out_w block back into the image channel.
void ColumnsToTap(const float* __restrict src, const ConvGeometry& g, int ki, int kj, int out_h, int out_w,
                  float* __restrict dst) {
  const int h_off = ki * g.dilation_h - g.pad_h;
  const int w_off = kj * g.dilation_w - g.pad_w;
  int h_lo, h_hi, w_lo, w_hi;
  InsideRange(h_off, g.stride_h, g.height, out_h, &h_lo, &h_hi);
  InsideRange(w_off, g.stride_w, g.width, out_w, &w_lo, &w_hi);
  const int sw = g.stride_w;
  for (int y = h_lo; y < h_hi; ++y) {
    const float* __restrict s = src + y * out_w;
    float* __restrict d = dst + static_cast<int64_t>(y * g.stride_h + h_off) * g.width + w_off;
    if (sw == 1) {
      for (int x = w_lo; x < w_hi; ++x) d[x] += s[x];
    } else {
      for (int x = w_lo; x < w_hi; ++x) d[x * sw] += s[x];
    }
  }
}

}  // namespace

void Im2Col(const float* im, int num, const ConvGeometry& g, float* col) {
  const int out_h = g.out_h(), out_w = g.out_w(), out_size = out_h * out_w;
  const int taps = g.kernel_h * g.kernel_w;
  const int64_t ld = static_cast<int64_t>(num) * out_size;  // row length of the column matrix
  const int64_t plane = static_cast<int64_t>(g.height) * g.width;
  const int channels = g.channels;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(ld * g.col_rows()))
  for (int n = 0; n < num; ++n) {
    for (int c = 0; c < channels; ++c) {
      const float* src = im + (static_cast<int64_t>(n) * channels + c) * plane;
      float* dst = col + static_cast<int64_t>(c) * taps * ld + static_cast<int64_t>(n) * out_size;
      for (int ki = 0; ki < g.kernel_h; ++ki) {
        for (int kj = 0; kj < g.kernel_w; ++kj) {
          TapToColumns(src, g, ki, kj, out_h, out_w, dst + (ki * g.kernel_w + kj) * ld);
        }
      }
    }
  }
}

void Col2Im(const float* col, int num, const ConvGeometry& g, float* im) {
  const int out_h = g.out_h(), out_w = g.out_w(), out_size = out_h * out_w;
  const int taps = g.kernel_h * g.kernel_w;
  const int64_t ld = static_cast<int64_t>(num) * out_size;
  const int64_t plane = static_cast<int64_t>(g.height) * g.width;
  const int channels = g.channels;
  // Each (image, channel) plane is written by exactly one iteration, so the
  // accumulation needs no synchronisation.
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(ld * g.col_rows()))
  for (int n = 0; n < num; ++n) {
    for (int c = 0; c < channels; ++c) {
      float* dst = im + (static_cast<int64_t>(n) * channels + c) * plane;
      Zero(dst, static_cast<int>(plane));
      const float* src = col + static_cast<int64_t>(c) * taps * ld + static_cast<int64_t>(n) * out_size;
      for (int ki = 0; ki < g.kernel_h; ++ki) {
        for (int kj = 0; kj < g.kernel_w; ++kj) {
          ColumnsToTap(src + (ki * g.kernel_w + kj) * ld, g, ki, kj, out_h, out_w, dst);
        }
      }
    }
  }
}

namespace {

// The generic loops walk one tap's block of the column matrix row by row:
// a row runs along the last spatial axis, where InsideRange bounds the
// inside stretch as in the 2-D loops; ConvTapOffsetAt (shared with the GPU
// kernels) places the row's first inside pixel, or says the whole row reads
// padding along an earlier axis. The per-axis output sizes and the tap's
// kernel coordinates are computed once, not per row: rows are short.
struct NdRows {
  int last = 0;      // the last spatial axis
  int out_last = 0;  // row length
  int rows = 0;      // output positions over the earlier axes
  int in_last = 0;
  int stride_last = 1;
  int out[kMaxConvAxes] = {};

  explicit NdRows(const ConvGeometryNd& g)
      : last(g.axes - 1),
        out_last(g.out(g.axes - 1)),
        rows(g.out_size() / g.out(g.axes - 1)),
        in_last(g.in[g.axes - 1]),
        stride_last(g.stride[g.axes - 1]) {
    for (int a = 0; a < g.axes; ++a) out[a] = g.out(a);
  }

  // Calls f(row index, offset of its first inside pixel or -1, lo, hi) for
  // every row of tap t: entries [lo, hi) of the row read pixels offset,
  // offset + stride, ...; the others read padding.
  template <typename F>
  void ForEachRow(const ConvGeometryNd& g, int t, F f) const {
    int k[kMaxConvAxes];
    ConvTapCoords(g, t, k);
    const int off = ConvTapInput(0, k[last], stride_last, g.pad[last], g.dilation[last]);
    int lo, hi;
    InsideRange(off, stride_last, in_last, out_last, &lo, &hi);
    int o[kMaxConvAxes] = {};
    o[last] = lo;
    for (int r = 0; r < rows; ++r) {
      f(r, lo < hi ? ConvTapOffsetAt(g, o, k) : -1, lo, hi);
      for (int a = last - 1; a >= 0; --a) {  // next row: odometer over the earlier axes
        if (++o[a] < out[a]) break;
        o[a] = 0;
      }
    }
  }
};

}  // namespace

// Calls f(plane, block, t) for every image plane (image n, channel c: offset
// `plane` into the images) and tap t of its channel (offset `block` into the
// column matrix: the tap's row, at image n's columns), taps in order within
// a plane. Planes run in parallel where it pays; a plane and its blocks
// belong to one iteration, so col2im's sums need no synchronisation and add
// each pixel's taps in tap order, as Col2Im does.
template <typename F>
void ForEachPlaneTap(const ConvGeometryNd& g, int num, F f) {
  const int out_size = g.out_size(), taps = g.taps(), channels = g.channels;
  const int64_t ld = static_cast<int64_t>(num) * out_size;
  const int64_t plane = g.in_size();
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(ld * g.col_rows()))
  for (int n = 0; n < num; ++n) {
    for (int c = 0; c < channels; ++c) {
      for (int t = 0; t < taps; ++t) {
        f((static_cast<int64_t>(n) * channels + c) * plane,
          (static_cast<int64_t>(c) * taps + t) * ld + static_cast<int64_t>(n) * out_size, t);
      }
    }
  }
}

void Im2ColNd(const float* im, int num, const ConvGeometryNd& g, float* col) {
  const NdRows rows(g);
  const int width = rows.out_last, s = rows.stride_last;
  ForEachPlaneTap(g, num, [&](int64_t plane, int64_t block, int t) {
    rows.ForEachRow(g, t, [&](int r, int offset, int lo, int hi) {
      float* d = col + block + static_cast<int64_t>(r) * width;
      if (offset < 0) {
        Zero(d, width);
        return;
      }
      const float* __restrict p = im + plane + offset;  // what entry lo reads
      float* __restrict inside = d + lo;
      const int n = hi - lo;
      Zero(d, lo);
      if (s == 1) {  // the common case, kept apart so that it vectorises
        for (int x = 0; x < n; ++x) inside[x] = p[x];
      } else {
        for (int x = 0; x < n; ++x) inside[x] = p[static_cast<int64_t>(x) * s];
      }
      Zero(d + hi, width - hi);
    });
  });
}

void Col2ImNd(const float* col, int num, const ConvGeometryNd& g, float* im) {
  const NdRows rows(g);
  const int width = rows.out_last, s = rows.stride_last, plane_size = g.in_size();
  ForEachPlaneTap(g, num, [&](int64_t plane, int64_t block, int t) {
    if (t == 0) Zero(im + plane, plane_size);
    rows.ForEachRow(g, t, [&](int r, int offset, int lo, int hi) {
      if (offset < 0) return;
      const float* __restrict v = col + block + static_cast<int64_t>(r) * width;
      float* __restrict p = im + plane + offset;
      const float* __restrict inside = v + lo;
      const int n = hi - lo;
      if (s == 1) {
        for (int x = 0; x < n; ++x) p[x] += inside[x];
      } else {
        for (int x = 0; x < n; ++x) p[static_cast<int64_t>(x) * s] += inside[x];
      }
    });
  });
}

void Im2Col(const float* im, int num, const ConvGeometryNd& g, float* col, bool generic) {
  return g.has_2d_form() && !generic ? Im2Col(im, num, g.As2d(), col) : Im2ColNd(im, num, g, col);
}

void Col2Im(const float* col, int num, const ConvGeometryNd& g, float* im, bool generic) {
  return g.has_2d_form() && !generic ? Col2Im(col, num, g.As2d(), im) : Col2ImNd(col, num, g, im);
}

}  // namespace cnn
