// Eltwise's arithmetic, written once for both devices: MAX's per-element
// rules as CNN_HD functions (the CPU loops and the CUDA kernels call them),
// and the PROD and SUM passes as templates over a device's array math, `D`,
// a struct of static functions on that device's arrays:
//   Data(blob), Diff(blob)            the blob's data / diff on the device
//   Mul(n, a, b, y), Div(n, a, b, y)  y = a * b, y = a / b element-wise
//   Copy(n, x, y), Set(n, v, y)       y = x, y = v
//   Axpy(n, alpha, x, y)              y += alpha * x
//   Scale(n, c, x, y)                 y = c * x, written outright
// (eltwise_layer.cpp's CpuMath and eltwise_layer.cu's GpuMath), so the two
// devices multiply and add in the same order and agree exactly.
#pragma once

#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"
#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"  // BlobVec

namespace cnn {
namespace eltwise {

// MAX over the first two bottoms; Caffe's tie rule: the second wins a tie.
CNN_HD void MaxFirstTwo(float a, float b, float* y, int* idx) {
  const bool first = a > b;
  *y = first ? a : b;
  *idx = first ? 0 : 1;
}

// Folds bottom `which` into the running max: a later bottom must be strictly
// larger to take over.
CNN_HD void MaxFold(float x, int which, float* y, int* idx) {
  if (x > *y) {
    *y = x;
    *idx = which;
  }
}

// Only the bottom that won gets the gradient.
CNN_HD float MaxBottomDiff(int idx, int which, float dy) { return idx == which ? dy : 0.f; }

// y = the product (PROD) or the coefficient-weighted sum (SUM) of the bottoms.
template <class D>
void ArithmeticForward(EltwiseParameter::EltwiseOp op, const std::vector<float>& coeffs, const BlobVec& bottom,
                       int n, float* y) {
  if (op == EltwiseParameter::PROD) {
    D::Mul(n, D::Data(*bottom[0]), D::Data(*bottom[1]), y);
    for (size_t i = 2; i < bottom.size(); ++i) D::Mul(n, y, D::Data(*bottom[i]), y);
    return;
  }
  D::Set(n, 0.f, y);
  for (size_t i = 0; i < bottom.size(); ++i) D::Axpy(n, coeffs[i], D::Data(*bottom[i]), y);
}

// Bottom i's diff under PROD or SUM.
template <class D>
void ArithmeticBackward(EltwiseParameter::EltwiseOp op, float coeff, bool stable_prod_grad, const BlobVec& bottom,
                        const Blob& top, size_t i, int n, float* dx) {
  const float* dy = D::Diff(top);
  if (op == EltwiseParameter::SUM) {
    // Not axpby with beta 0: a stale NaN in dx would survive 0 * NaN.
    if (coeff == 1.f) {
      D::Copy(n, dy, dx);
    } else {
      D::Scale(n, coeff, dy, dx);
    }
    return;
  }
  if (stable_prod_grad) {
    // The product of the other inputs, formed directly: exact even where
    // this input is zero.
    bool started = false;
    for (size_t j = 0; j < bottom.size(); ++j) {
      if (j == i) continue;
      if (!started) {
        D::Copy(n, D::Data(*bottom[j]), dx);
        started = true;
      } else {
        D::Mul(n, dx, D::Data(*bottom[j]), dx);
      }
    }
  } else {
    // Faster but undefined where this input is zero.
    D::Div(n, D::Data(top), D::Data(*bottom[i]), dx);
  }
  D::Mul(n, dx, dy, dx);
}

}  // namespace eltwise
}  // namespace cnn
