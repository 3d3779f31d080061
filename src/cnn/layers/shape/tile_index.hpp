// Tile's index maps, shared by the CPU loops and the CUDA kernels. With
// inner = the bottom's count from the tiled axis on, the top is
// [outer][tiles][inner] and the bottom [outer][inner].
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// The bottom element top element `t` copies.
CNN_HD long long TileSource(long long t, long long inner, int tiles) {
  return (t / (inner * tiles)) * inner + t % inner;
}

// The gradient of bottom element `b`: the sum of its copies' diffs, added in
// tile order.
CNN_HD float TileGradient(const float* top_diff, long long b, long long inner, int tiles) {
  const long long outer = b / inner;
  const float* d = top_diff + outer * inner * tiles + b % inner;
  float sum = 0.f;
  for (int t = 0; t < tiles; ++t) sum += d[t * inner];
  return sum;
}

}  // namespace cnn
