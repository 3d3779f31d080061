// Where an element of Crop's top lives in its bottom. Shared by the CPU loop
// and the CUDA kernels so the two cannot disagree.
#pragma once

#include "cnn/core/blob.hpp"
#include "cnn/core/host_device.hpp"

namespace cnn {

// Passed to kernels by value: the top's shape, the bottom's strides and the
// crop offsets, one entry per axis.
struct CropIndex {
  int num_axes = 0;
  int top_shape[Blob::kMaxAxes];
  long long bottom_stride[Blob::kMaxAxes];
  int offset[Blob::kMaxAxes];
};

// The bottom's flat index of the top's flat element `t`: each top coordinate
// shifted by that axis's offset.
CNN_HD long long CropSource(const CropIndex& c, long long t) {
  long long b = 0;
  for (int a = c.num_axes - 1; a >= 0; --a) {
    const long long coord = t % c.top_shape[a];
    t /= c.top_shape[a];
    b += (coord + c.offset[a]) * c.bottom_stride[a];
  }
  return b;
}

}  // namespace cnn
