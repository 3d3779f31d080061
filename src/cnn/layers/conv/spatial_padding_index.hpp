// The index maps of spatial padding (PaddingMode in cnn.proto), shared by the
// CPU loops and the CUDA kernels so the two cannot disagree. A padded blob
// has the source's shape except along its trailing `axes` axes, each grown by
// `before` and `after` elements; every padded element copies one source
// element (REFLECT, REPLICATE, CIRCULAR) or holds zero (ZEROS, outside the
// source).
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// PaddingMode's values (spatial_padding.cpp checks that they match), kept
// apart from the generated proto code so kernels need no protobuf.
enum class PadMode : int { kZeros = 0, kReflect = 1, kReplicate = 2, kCircular = 3 };

// Volumetric convolution has 3 spatial axes; 8 leaves room without making the
// by-value kernel argument or the per-thread arrays of PadAdjointAt large.
constexpr int kMaxPadAxes = 8;

// Passed to kernels by value.
struct PadGeometry {
  PadMode mode = PadMode::kZeros;
  long long outer = 0;  // product of the axes before the padded ones
  int axes = 0;         // padded (trailing) axes
  int size[kMaxPadAxes] = {};
  int before[kMaxPadAxes] = {};
  int after[kMaxPadAxes] = {};
};

CNN_HD int PaddedExtent(const PadGeometry& g, int a) { return g.before[a] + g.size[a] + g.after[a]; }

// THE source rule, PyTorch's: the source element that position q of one
// padded axis of source extent n copies, with q counted from the first source
// element (q < 0 lies in the `before` border, q >= n in the `after` one);
// -1 for a ZEROS border. Needs what SpatialPadding validates: pad < n for
// REFLECT, n >= 1 for REPLICATE, pad <= n for CIRCULAR.
CNN_HD int PadSource(PadMode mode, int q, int n) {
  if (q >= 0 && q < n) return q;
  switch (mode) {
    case PadMode::kReflect:  // mirrored about the edge element, which is not repeated
      return q < 0 ? -q : 2 * (n - 1) - q;
    case PadMode::kReplicate:
      return q < 0 ? 0 : n - 1;
    case PadMode::kCircular:
      return q < 0 ? q + n : q - n;
    default:
      return -1;
  }
}

// Appends source-coordinate range [l, h), clipped to the padded axis
// [-before, n + after) and shifted to padded coordinates, when not empty.
CNN_HD void AddPreimage(int l, int h, int n, int before, int after, int* lo, int* hi, int* count) {
  l = l < -before ? -before : l;
  h = h > n + after ? n + after : h;
  if (l >= h) return;
  lo[*count] = l + before;
  hi[*count] = h + before;
  ++*count;
}

// The inverse of PadSource along one axis: the positions (padded coordinates,
// 0 = first border element) that copy source element j, as up to 3 disjoint
// half-open ranges [lo[k], hi[k]) in increasing order. Returns their number.
CNN_HD int PadPreimages(PadMode mode, int j, int n, int before, int after, int* lo, int* hi) {
  int count = 0;
  switch (mode) {
    case PadMode::kReflect:
      if (j > 0) AddPreimage(-j, -j + 1, n, before, after, lo, hi, &count);
      AddPreimage(j, j + 1, n, before, after, lo, hi, &count);
      if (j < n - 1) AddPreimage(2 * (n - 1) - j, 2 * (n - 1) - j + 1, n, before, after, lo, hi, &count);
      break;
    case PadMode::kReplicate:
      AddPreimage(j == 0 ? -before : j, j + 1, n, before, after, lo, hi, &count);
      if (j == n - 1) AddPreimage(n, n + after, n, before, after, lo, hi, &count);
      break;
    case PadMode::kCircular:
      AddPreimage(j - n, j - n + 1, n, before, after, lo, hi, &count);
      AddPreimage(j, j + 1, n, before, after, lo, hi, &count);
      AddPreimage(j + n, j + n + 1, n, before, after, lo, hi, &count);
      break;
    default:
      AddPreimage(j, j + 1, n, before, after, lo, hi, &count);
      break;
  }
  return count;
}

// The source flat index padded element `i` copies, or -1 (a ZEROS border).
CNN_HD long long PadSourceOffset(const PadGeometry& g, long long i) {
  long long source = 0, stride = 1;
  for (int a = g.axes - 1; a >= 0; --a) {
    const int extent = PaddedExtent(g, a);
    const int s = PadSource(g.mode, static_cast<int>(i % extent) - g.before[a], g.size[a]);
    i /= extent;
    if (s < 0) return -1;
    source += s * stride;
    stride *= g.size[a];
  }
  return source + i * stride;  // i is now the outer index
}

// The adjoint of padding at source element `j`: the sum of dy over every
// padded element that copies j, added in increasing padded index order (the
// order a raster-order scatter would add them in).
CNN_HD float PadAdjointAt(const PadGeometry& g, const float* dy, long long j) {
  int lo[kMaxPadAxes][3], hi[kMaxPadAxes][3], ranges[kMaxPadAxes];
  long long stride[kMaxPadAxes];
  long long plane = 1;
  for (int a = g.axes - 1; a >= 0; --a) {
    const int coord = static_cast<int>(j % g.size[a]);
    j /= g.size[a];
    ranges[a] = PadPreimages(g.mode, coord, g.size[a], g.before[a], g.after[a], lo[a], hi[a]);
    stride[a] = plane;
    plane *= PaddedExtent(g, a);
  }
  const float* base = dy + j * plane;  // j is now the outer index
  // An odometer over the per-axis ranges; every axis has at least one
  // non-empty range (the element itself), so the first position exists.
  int r[kMaxPadAxes], p[kMaxPadAxes];
  for (int a = 0; a < g.axes; ++a) r[a] = 0, p[a] = lo[a][0];
  float sum = 0.f;
  for (;;) {
    long long offset = 0;
    for (int a = 0; a < g.axes; ++a) offset += p[a] * stride[a];
    sum += base[offset];
    int a = g.axes - 1;
    for (; a >= 0; --a) {
      if (++p[a] < hi[a][r[a]]) break;
      if (++r[a] < ranges[a]) {
        p[a] = lo[a][r[a]];
        break;
      }
      r[a] = 0;
      p[a] = lo[a][0];
    }
    if (a < 0) break;
  }
  return sum;
}

}  // namespace cnn
