// The view Scale and Bias take of their input: bottom[0] as outer x dim x
// inner, with an operand (the scale or the bias) of `dim` values whose axes
// line up with bottom[0]'s axes [axis, axis + operand axes). The operand is
// broadcast over the outer and inner positions; its gradient sums over them.
#pragma once

#include <string>
#include <vector>

#include "cnn/core/blob.hpp"

namespace cnn {

struct AxisBroadcast {
  int outer = 0;  // product of bottom[0]'s axes before `axis`
  int dim = 0;    // the operand's count
  int inner = 0;  // product of bottom[0]'s axes after the operand's
};

// The shape a learned operand takes: bottom's axes from `axis` on, `num_axes`
// of them (-1: all the rest, 0: a scalar). `where` prefixes errors and
// `what` names the operand ("scale", "bias").
std::vector<int> OperandShape(const Blob& bottom, int axis, int num_axes, const std::string& where,
                              const char* what);

// Checks that `operand` fits bottom from `axis` on (Caffe's rule: a scalar
// operand fits anywhere) and returns the view.
AxisBroadcast BroadcastView(const Blob& bottom, const Blob& operand, int axis, const std::string& where,
                            const char* what);

// y = x * scale[d] (+ bias[d] when bias is not null); y may be x.
void cpu_broadcast_scale(const AxisBroadcast& v, const float* x, const float* scale, const float* bias, float* y);
// y = x + bias[d]; y may be x.
void cpu_broadcast_add(const AxisBroadcast& v, const float* x, const float* bias, float* y);
// out[d] = (accumulate ? out[d] : 0) + the sum over outer and inner of
// a * b (of a alone when b is null).
void cpu_sum_to_operand(const AxisBroadcast& v, const float* a, const float* b, bool accumulate, float* out);

#ifdef CNN_WITH_CUDA
void gpu_broadcast_scale(const AxisBroadcast& v, const float* x, const float* scale, const float* bias, float* y);
void gpu_broadcast_add(const AxisBroadcast& v, const float* x, const float* bias, float* y);
void gpu_sum_to_operand(const AxisBroadcast& v, const float* a, const float* b, bool accumulate, float* out);
#endif

}  // namespace cnn
