#include "cnn/layers/dnnl/blocked_max_pool.hpp"

#include <algorithm>
#include <cstring>

#include "cnn/core/parallel.hpp"
#include "cnn/core/simd_clones.hpp"
#include "cnn/layers/pool/max_pool_step.hpp"

namespace cnn {
namespace {

// One output row of one plane: each window scanned tap by tap over the 16
// lanes (the first tap seeds the maximum, as in the plain layer).
CNN_SIMD_CLONES void PoolRow(const PoolWindows& w, const float* plane, int ph, float* y, int* arg) {
  const int h0 = std::max(ph * w.stride_h - w.pad_h, 0);
  const int h1 = std::min(ph * w.stride_h - w.pad_h + w.kernel_h, w.height);
  for (int pw = 0; pw < w.pooled_w; ++pw) {
    const int w0 = std::max(pw * w.stride_w - w.pad_w, 0);
    const int w1 = std::min(pw * w.stride_w - w.pad_w + w.kernel_w, w.width);
    float best[kPoolLanes];
    int at[kPoolLanes];
    const int first = h0 * w.width + w0;
#pragma omp simd
    for (int l = 0; l < kPoolLanes; ++l) {
      best[l] = plane[first * kPoolLanes + l];
      at[l] = first;
    }
    for (int h = h0; h < h1; ++h)
      for (int c = (h == h0 ? w0 + 1 : w0); c < w1; ++c) {
        const int pos = h * w.width + c;
        const float* tap = plane + static_cast<int64_t>(pos) * kPoolLanes;
#pragma omp simd
        for (int l = 0; l < kPoolLanes; ++l) MaxPoolStep(tap[l], pos, &best[l], &at[l]);
      }
    std::memcpy(y + pw * kPoolLanes, best, sizeof best);
    std::memcpy(arg + pw * kPoolLanes, at, sizeof at);
  }
}

// Zeroes the padding lanes of `positions` 16-lane values.
void ZeroPadding(int64_t positions, int lanes, float* v) {
  for (int64_t p = 0; p < positions; ++p)
    for (int l = lanes; l < kPoolLanes; ++l) v[p * kPoolLanes + l] = 0.f;
}

}  // namespace

void BlockedMaxPoolForward(const PoolWindows& w, const ChannelBlocks& c, const float* x, float* y, int* arg) {
  const int64_t planes = c.num * c.blocks;
  const int64_t in_plane = static_cast<int64_t>(w.height) * w.width * kPoolLanes;
  const int64_t out_row = static_cast<int64_t>(w.pooled_w) * kPoolLanes;
  const int64_t out_plane = out_row * w.pooled_h;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(planes * in_plane))
  for (int64_t p = 0; p < planes; ++p)
    for (int ph = 0; ph < w.pooled_h; ++ph) {
      float* yr = y + p * out_plane + ph * out_row;
      PoolRow(w, x + p * in_plane, ph, yr, arg + p * out_plane + ph * out_row);
      if (p % c.blocks == c.blocks - 1 && c.last_lanes < kPoolLanes) ZeroPadding(w.pooled_w, c.last_lanes, yr);
    }
}

void BlockedMaxPoolBackward(const PoolWindows& w, const ChannelBlocks& c, const float* dy, const int* arg, float* dx) {
  const int64_t planes = c.num * c.blocks;
  const int64_t in_plane = static_cast<int64_t>(w.height) * w.width * kPoolLanes;
  const int64_t out_plane = static_cast<int64_t>(w.pooled_h) * w.pooled_w * kPoolLanes;
  // Outputs in order, as the plain layer adds them: overlapping windows
  // (3x3, stride 2) that share a maximum sum in the same order.
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * in_plane))
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.f);
    const float* dyp = dy + p * out_plane;
    const int* ap = arg + p * out_plane;
    for (int64_t o = 0; o < out_plane; o += kPoolLanes)
      for (int l = 0; l < kPoolLanes; ++l) dxp[static_cast<int64_t>(ap[o + l]) * kPoolLanes + l] += dyp[o + l];
    if (p % c.blocks == c.blocks - 1 && c.last_lanes < kPoolLanes) {
      ZeroPadding(static_cast<int64_t>(w.height) * w.width, c.last_lanes, dxp);
    }
  }
}

}  // namespace cnn
