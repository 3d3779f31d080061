// Filter's index maps, shared by the CPU loops and the CUDA kernels. Rows
// are items along axis 0, `inner` values each.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// The bottom element top element `t` copies: kept[r] is the bottom row of
// top row r.
CNN_HD long long FilterSource(long long t, long long inner, const int* kept) {
  return static_cast<long long>(kept[t / inner]) * inner + t % inner;
}

// The gradient of bottom element `b`: its top row's diff where the row was
// kept (position[row] = its top row), 0 where it was filtered out (-1).
CNN_HD float FilterGradient(long long b, long long inner, const int* position, const float* top_diff) {
  const int p = position[b / inner];
  return p < 0 ? 0.f : top_diff[static_cast<long long>(p) * inner + b % inner];
}

}  // namespace cnn
