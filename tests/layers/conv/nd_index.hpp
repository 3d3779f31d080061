// Row-major multi-indices for the N-D loop references of the convolution
// tests (test_im2col.cpp, test_convolution_nd.cpp).
#pragma once

#include <vector>

namespace cnn {
namespace test {

// Steps `index` (per-axis coordinates below `sizes`, last axis fastest);
// false after the last one, when it is back at all zeros.
inline bool Next(std::vector<int>* index, const std::vector<int>& sizes) {
  for (int a = static_cast<int>(sizes.size()) - 1; a >= 0; --a) {
    if (++(*index)[a] < sizes[a]) return true;
    (*index)[a] = 0;
  }
  return false;
}

// The row-major offset of `index` in a grid of `sizes`.
inline int Flat(const std::vector<int>& index, const std::vector<int>& sizes) {
  int f = 0;
  for (size_t a = 0; a < sizes.size(); ++a) f = f * sizes[a] + index[a];
  return f;
}

}  // namespace test
}  // namespace cnn
