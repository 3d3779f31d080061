// One weight's AdamW step (Loshchilov and Hutter's decoupled weight decay),
// shared by the CPU loop in adamw_solver.cpp and the CUDA kernel in
// update_kernels.cu. The decay is taken from the weight itself, outside the
// adaptive scaling, instead of being added to the gradient as Adam's L2 does:
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   step = rate_correction * m / (sqrt(v) + eps) + rate_decay * w
// rate_correction = rate * Adam's bias correction, rate_decay = rate * decay.
#pragma once

#include <math.h>

#include "cnn/core/host_device.hpp"

namespace cnn {

// nvcc contracts a * b + c into one fused multiply-add, the CPU rounds after
// every operation; the _rn intrinsics are never contracted, so both devices
// round alike and the GPU step is the CPU step bit for bit.
CNN_HD float AdamWMul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
CNN_HD float AdamWAdd(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// Updates m and v in place and returns the step to subtract from w.
CNN_HD float AdamWStep(float g, float w, float* m, float* v, float beta1, float beta2, float eps,
                       float rate_correction, float rate_decay) {
  const float mi = AdamWAdd(AdamWMul(beta1, *m), AdamWMul(1.f - beta1, g));
  const float vi = AdamWAdd(AdamWMul(beta2, *v), AdamWMul(AdamWMul(1.f - beta2, g), g));
  *m = mi;
  *v = vi;
#ifdef __CUDA_ARCH__
  const float adaptive = __fdiv_rn(AdamWMul(rate_correction, mi), AdamWAdd(__fsqrt_rn(vi), eps));
#else
  const float adaptive = AdamWMul(rate_correction, mi) / AdamWAdd(sqrtf(vi), eps);
#endif
  return AdamWAdd(adaptive, AdamWMul(rate_decay, w));
}

}  // namespace cnn
