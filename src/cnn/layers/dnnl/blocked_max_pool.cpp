#include "cnn/layers/dnnl/blocked_max_pool.hpp"

#include <algorithm>

#include "cnn/core/parallel.hpp"
#include "cnn/core/simd_clones.hpp"
#include "cnn/layers/pool/max_pool_step.hpp"

namespace cnn {
namespace {

// One output row of one plane: each window scanned tap by tap over the
// lanes (the first tap seeds the maximum, as in the plain layer), the
// running maxima kept in y and arg themselves.
CNN_SIMD_CLONES void PoolRow(const PoolWindows& w, int lanes, const float* plane, int ph, float* y, int* arg) {
  const int h0 = std::max(ph * w.stride_h - w.pad_h, 0);
  const int h1 = std::min(ph * w.stride_h - w.pad_h + w.kernel_h, w.height);
  for (int pw = 0; pw < w.pooled_w; ++pw) {
    const int w0 = std::max(pw * w.stride_w - w.pad_w, 0);
    const int w1 = std::min(pw * w.stride_w - w.pad_w + w.kernel_w, w.width);
    float* best = y + static_cast<int64_t>(pw) * lanes;
    int* at = arg + static_cast<int64_t>(pw) * lanes;
    const int first = h0 * w.width + w0;
    const float* seed = plane + static_cast<int64_t>(first) * lanes;
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      best[l] = seed[l];
      at[l] = first;
    }
    for (int h = h0; h < h1; ++h)
      for (int c = (h == h0 ? w0 + 1 : w0); c < w1; ++c) {
        const int pos = h * w.width + c;
        const float* tap = plane + static_cast<int64_t>(pos) * lanes;
#pragma omp simd
        for (int l = 0; l < lanes; ++l) MaxPoolStep(tap[l], pos, &best[l], &at[l]);
      }
  }
}

// Zeroes the padding lanes (from `used` on) of `positions` values.
void ZeroPadding(int64_t positions, const ChannelBlocks& c, float* v) {
  for (int64_t p = 0; p < positions; ++p)
    for (int l = c.last_lanes; l < c.lanes; ++l) v[p * c.lanes + l] = 0.f;
}

}  // namespace

ChannelBlocks BlocksOf16(int64_t num, int channels) {
  ChannelBlocks c;
  c.num = num;
  c.blocks = (channels + kPoolLanes - 1) / kPoolLanes;
  c.lanes = kPoolLanes;
  c.last_lanes = channels - (c.blocks - 1) * kPoolLanes;
  return c;
}

ChannelBlocks ChannelsLastBlocks(int64_t num, int channels) {
  ChannelBlocks c;
  c.num = num;
  c.blocks = 1;
  c.lanes = channels;
  c.last_lanes = channels;
  return c;
}

void BlockedMaxPoolForward(const PoolWindows& w, const ChannelBlocks& c, const float* x, float* y, int* arg) {
  const int64_t planes = c.num * c.blocks;
  const int64_t in_plane = static_cast<int64_t>(w.height) * w.width * c.lanes;
  const int64_t out_row = static_cast<int64_t>(w.pooled_w) * c.lanes;
  const int64_t out_plane = out_row * w.pooled_h;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(planes * in_plane))
  for (int64_t p = 0; p < planes; ++p)
    for (int ph = 0; ph < w.pooled_h; ++ph) {
      float* yr = y + p * out_plane + ph * out_row;
      PoolRow(w, c.lanes, x + p * in_plane, ph, yr, arg + p * out_plane + ph * out_row);
      if (p % c.blocks == c.blocks - 1 && c.last_lanes < c.lanes) ZeroPadding(w.pooled_w, c, yr);
    }
}

void BlockedMaxPoolBackward(const PoolWindows& w, const ChannelBlocks& c, const float* dy, const int* arg, float* dx) {
  const int64_t planes = c.num * c.blocks;
  const int64_t in_plane = static_cast<int64_t>(w.height) * w.width * c.lanes;
  const int64_t out_plane = static_cast<int64_t>(w.pooled_h) * w.pooled_w * c.lanes;
  const int64_t lanes = c.lanes;
  // Outputs in order, as the plain layer adds them: overlapping windows
  // (3x3, stride 2) that share a maximum sum in the same order.
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * in_plane))
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.f);
    const float* dyp = dy + p * out_plane;
    const int* ap = arg + p * out_plane;
    for (int64_t o = 0; o < out_plane; o += lanes)
      for (int64_t l = 0; l < lanes; ++l) dxp[ap[o + l] * lanes + l] += dyp[o + l];
    if (p % c.blocks == c.blocks - 1 && c.last_lanes < c.lanes) {
      ZeroPadding(static_cast<int64_t>(w.height) * w.width, c, dxp);
    }
  }
}

}  // namespace cnn
