// BatchReindex's index maps, shared by the CPU loops and the CUDA kernels.
// Rows are items along axis 0, `inner` values each.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// The bottom element top element `t` copies: row perm[t / inner] of the
// bottom. perm holds the (already checked) indices as floats.
CNN_HD long long ReindexSource(long long t, long long inner, const float* perm) {
  const long long row = static_cast<long long>(static_cast<int>(perm[t / inner]));
  return row * inner + t % inner;
}

// The gradient of bottom element `b`: the sum of the diffs of every top row
// that copied its row, in top order. `begin` (rows + 1 entries) and `order`
// list, for each bottom row, the top rows that read it (a CSR index).
CNN_HD float ReindexGradient(long long b, long long inner, const int* begin, const int* order, const float* top_diff) {
  const long long row = b / inner;
  const long long d = b % inner;
  float sum = 0.f;
  for (int k = begin[row]; k < begin[row + 1]; ++k) sum += top_diff[static_cast<long long>(order[k]) * inner + d];
  return sum;
}

}  // namespace cnn
