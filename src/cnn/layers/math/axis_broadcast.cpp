#include "cnn/layers/math/axis_broadcast.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/parallel.hpp"

namespace cnn {

std::vector<int> OperandShape(const Blob& bottom, int axis, int num_axes, const std::string& where,
                              const char* what) {
  const int n = bottom.num_axes();
  CNN_CHECK(axis >= -n && axis < n,
            where << "axis " << axis << " out of range for input of shape " << bottom.shape_string());
  const int first = bottom.CanonicalAxisIndex(axis);
  CNN_CHECK(num_axes >= -1, where << "num_axes " << num_axes
                                  << " must be non-negative, or -1 to extend to the end of the input");
  CNN_CHECK(num_axes == -1 || first + num_axes <= n,
            where << "a " << what << " of num_axes " << num_axes << " from axis " << first
                  << " runs past the input's shape " << bottom.shape_string());
  const auto begin = bottom.shape().begin() + first;
  return std::vector<int>(begin, num_axes == -1 ? bottom.shape().end() : begin + num_axes);
}

AxisBroadcast BroadcastView(const Blob& bottom, const Blob& operand, int axis, const std::string& where,
                            const char* what) {
  const int n = bottom.num_axes();
  int first = 0;  // a scalar lines up anywhere; axis 0 makes outer 1
  if (operand.num_axes() > 0) {
    CNN_CHECK(axis >= -n && axis < n,
              where << "axis " << axis << " out of range for input of shape " << bottom.shape_string());
    first = bottom.CanonicalAxisIndex(axis);
  }
  bool fits = first + operand.num_axes() <= n;
  for (int i = 0; fits && i < operand.num_axes(); ++i) fits = bottom.shape(first + i) == operand.shape(i);
  CNN_CHECK(fits, where << what << " of shape " << operand.shape_string() << " does not match input of shape "
                        << bottom.shape_string() << " from axis " << first);
  AxisBroadcast v;
  v.outer = bottom.count(0, first);
  v.dim = operand.count();
  v.inner = bottom.count(first + operand.num_axes());
  return v;
}

// The loops are memory-bound (a Scale after every BatchNorm of a ResNet
// touches tens of MB): both cores' bandwidth is worth a parallel region.
void cpu_broadcast_scale(const AxisBroadcast& v, const float* x, const float* scale, const float* bias, float* y) {
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(int64_t{v.outer} * v.dim * v.inner))
  for (int o = 0; o < v.outer; ++o)
    for (int d = 0; d < v.dim; ++d) {
      const int64_t base = (static_cast<int64_t>(o) * v.dim + d) * v.inner;
      const float s = scale[d];
      if (bias) {
        const float b = bias[d];
        for (int i = 0; i < v.inner; ++i) y[base + i] = x[base + i] * s + b;
      } else {
        for (int i = 0; i < v.inner; ++i) y[base + i] = x[base + i] * s;
      }
    }
}

void cpu_broadcast_add(const AxisBroadcast& v, const float* x, const float* bias, float* y) {
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(int64_t{v.outer} * v.dim * v.inner))
  for (int o = 0; o < v.outer; ++o)
    for (int d = 0; d < v.dim; ++d) {
      const int64_t base = (static_cast<int64_t>(o) * v.dim + d) * v.inner;
      const float b = bias[d];
      for (int i = 0; i < v.inner; ++i) y[base + i] = x[base + i] + b;
    }
}

// One thread per operand element, so the sums do not depend on the thread
// count; `omp simd` lets the double sums use vector lanes.
void cpu_sum_to_operand(const AxisBroadcast& v, const float* a, const float* b, bool accumulate, float* out) {
#pragma omp parallel for schedule(static) if (ParallelLoopPays(int64_t{v.outer} * v.dim * v.inner))
  for (int d = 0; d < v.dim; ++d) {
    double s = 0;
    for (int o = 0; o < v.outer; ++o) {
      const int64_t base = (static_cast<int64_t>(o) * v.dim + d) * v.inner;
      if (b) {
#pragma omp simd reduction(+ : s)
        for (int i = 0; i < v.inner; ++i) s += static_cast<double>(a[base + i]) * b[base + i];
      } else {
#pragma omp simd reduction(+ : s)
        for (int i = 0; i < v.inner; ++i) s += a[base + i];
      }
    }
    out[d] = static_cast<float>(accumulate ? out[d] + s : s);
  }
}

}  // namespace cnn
