// ArgMax's ordering and addressing, shared by the CPU loop and the CUDA
// kernel so both pick the same elements in the same order.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// Whether (v1, i1) ranks before (v2, i2): larger value first and, among
// equal values, the larger index first (Caffe sorts (value, index) pairs in
// descending order, so ties go to the last index).
CNN_HD bool ArgMaxBefore(float v1, int i1, float v2, int i2) { return v1 > v2 || (v1 == v2 && i1 > i2); }

// Row `r` of the search (one per output position) reads `dim` values spaced
// `stride` apart: element j sits at BottomIndex(r, j). With an axis, stride
// is the count after it; without one, a row is a whole item (stride 1).
CNN_HD long long ArgMaxBottomIndex(long long r, int j, int dim, long long stride) {
  return (r / stride * dim + j) * stride + r % stride;
}

// Where the j-th of the row's top_k results goes in a top laid out like the
// bottom with the axis shortened to top_k.
CNN_HD long long ArgMaxTopIndex(long long r, int j, int top_k, long long stride) {
  return (r / stride * top_k + j) * stride + r % stride;
}

}  // namespace cnn
