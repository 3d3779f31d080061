// Reduction's per-element formulas, shared by the CPU loops and the CUDA
// kernels.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// Values of ReductionParameter::ReductionOp, as plain ints so kernels can
// take them without the generated protobuf header.
enum ReductionKind { kReduceSum = 1, kReduceAsum = 2, kReduceSumsq = 3, kReduceMean = 4 };

// What one input element adds to its row's sum.
CNN_HD double ReductionTerm(int op, float x) {
  if (op == kReduceAsum) return x < 0.f ? -static_cast<double>(x) : static_cast<double>(x);
  if (op == kReduceSumsq) return static_cast<double>(x) * x;
  return x;  // SUM, MEAN (MEAN's 1/dim is folded into the coefficient)
}

// d(output)/d(x) times `scaled`, the row's top diff times the coefficient.
// ASUM's derivative at 0 is taken as 0, as Caffe's sign function gives.
CNN_HD float ReductionGradient(int op, float x, float scaled) {
  if (op == kReduceAsum) return x > 0.f ? scaled : (x < 0.f ? -scaled : 0.f);
  if (op == kReduceSumsq) return 2.f * scaled * x;
  return scaled;
}

}  // namespace cnn
