// An independent statement of PyTorch's padding_mode rules for the tests of
// spatial padding and of the layers that use it: written another way than
// PadSource (reflection as a triangle wave of period 2(n-1), wrapping as a
// true modulus, replication as a clamp) and applied by a plain loop.
#pragma once

#include <algorithm>
#include <vector>

#include "cnn/cnn.pb.h"

namespace cnn {
namespace test {

// The source element position q (q < 0 and q >= n are the borders) of an
// axis of extent n holds; -1 for a ZEROS border.
inline int ReferencePadSource(PaddingMode mode, int q, int n) {
  switch (mode) {
    case REFLECT: {
      if (n == 1) return 0;
      const int period = 2 * (n - 1);
      const int m = ((q % period) + period) % period;
      return m < n ? m : period - m;
    }
    case REPLICATE:
      return std::min(std::max(q, 0), n - 1);
    case CIRCULAR:
      return ((q % n) + n) % n;
    default:
      return q >= 0 && q < n ? q : -1;
  }
}

// x (row-major, `shape`) with `pad` elements added on both sides of every
// axis from first_axis on; sets *padded_shape.
inline std::vector<float> ReferencePad(PaddingMode mode, const std::vector<int>& shape, int first_axis,
                                       const std::vector<int>& pad, const std::vector<float>& x,
                                       std::vector<int>* padded_shape) {
  std::vector<int> out_shape = shape;
  for (size_t a = first_axis; a < shape.size(); ++a) out_shape[a] += 2 * pad[a - first_axis];
  long long count = 1;
  for (int d : out_shape) count *= d;
  std::vector<float> y(count);
  for (long long i = 0; i < count; ++i) {
    long long rest = i, source = 0, stride = 1;
    bool zero = false;
    for (int a = static_cast<int>(shape.size()) - 1; a >= 0; --a) {
      int coord = static_cast<int>(rest % out_shape[a]);
      rest /= out_shape[a];
      if (a >= first_axis) coord = ReferencePadSource(mode, coord - pad[a - first_axis], shape[a]);
      zero = zero || coord < 0;
      source += coord * stride;
      stride *= shape[a];
    }
    y[i] = zero ? 0.f : x[source];
  }
  *padded_shape = out_shape;
  return y;
}

}  // namespace test
}  // namespace cnn
