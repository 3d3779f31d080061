// Average pooling's window along one axis, shared by the CPU loops and the
// CUDA kernels so both read the same taps and divide by the same count.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// The input range [lo, hi) window `index` reads, and the extent Caffe divides
// by: the window clipped to the padded input only, so padding counts as zeros
// except where a ceil-mode window overhangs it.
struct AveSpan {
  int lo, hi, extent;
};

CNN_HD AveSpan AveSpanAt(int index, int stride, int pad, int kernel, int size) {
  const int start = index * stride - pad;
  const int end = start + kernel < size + pad ? start + kernel : size + pad;
  return AveSpan{start > 0 ? start : 0, end < size ? end : size, end - start};
}

}  // namespace cnn
