// One LSTM cell step for one (item, hidden unit) pair, shared by the CPU loop
// and the CUDA kernel of LSTMUnit. Caffe's gate order within each item's 4H
// pre-activations: input i, forget f, output o, candidate g:
//   i, f, o = sigmoid(.), g = tanh(.)  (both from LstmExp below)
//   c = cont * f * c_prev + i * g        (cont = 0 starts a new sequence)
//   h = o * tanh(c)
#pragma once

#include <math.h>
#include <string.h>

#include "cnn/core/host_device.hpp"

namespace cnn {

// exp(x) without a library call, so the CPU loop over a row vectorises (a
// libm call per element made LSTMUnit the slowest part of an LSTM step).
// x = n ln2 + r with |r| <= ln2 / 2, exp(r) by its Taylor series to r^7
// (the first term left out, r^8 / 8!, is below 6e-9 relative), times 2^n
// built in the exponent bits. Inputs are clamped to the normal range; NaN
// stays NaN (it passes the clamp and poisons r), with no test for it that
// would keep the loop from vectorising.
CNN_HD float LstmExp(float x) {
  const float c = x < -87.f ? -87.f : (x > 88.f ? 88.f : x);
  const float t = c * 1.44269504f;  // c / ln2
  const int n = static_cast<int>(t + (t >= 0.f ? 0.5f : -0.5f));
  const float nf = static_cast<float>(n);
  // ln2 in two parts: the first has few bits, so n * part is exact.
  const float r = (c - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const int bits = (n + 127) << 23;
#ifdef __CUDA_ARCH__
  const float scale = __int_as_float(bits);
#else
  float scale;
  memcpy(&scale, &bits, sizeof scale);
#endif
  return p * scale;
}

CNN_HD float LstmSigmoid(float x) { return 1.f / (1.f + LstmExp(-x)); }

// tanh(x) = 1 - 2 / (exp(2x) + 1), which loses relative accuracy near 0,
// where the odd series x - x^3/3 + 2x^5/15 - 17x^7/315 takes over (the
// switch is at |x| = 1/4; the result stays within 5e-7 relative of tanh).
CNN_HD float LstmTanh(float x) {
  const float x2 = x * x;
  const float series = x * (1.f + x2 * (-1.f / 3.f + x2 * (2.f / 15.f + x2 * (-17.f / 315.f))));
  const float wide = 1.f - 2.f / (LstmExp(2.f * x) + 1.f);
#ifdef __CUDA_ARCH__
  return (x2 < 0.0625f) ? series : wide;
#else
  // The same choice as a blend of the bits: written as `?:`, GCC's AVX2 and
  // AVX-512 clones kept a branch around the division, and a loop with a
  // branch is not vectorised (those clones of the LSTMUnit loops ran scalar,
  // slower than the SSE2 one).
  int s, w;
  memcpy(&s, &series, sizeof s);
  memcpy(&w, &wide, sizeof w);
  const int pick_series = -static_cast<int>(x2 < 0.0625f);  // all ones or all zeros
  const int bits = (s & pick_series) | (w & ~pick_series);
  float out;
  memcpy(&out, &bits, sizeof out);
  return out;
#endif
}

// x: the item's 4H pre-activations; acts: where the four activations are
// kept for the backward pass (same layout). j is the hidden unit.
CNN_HD void LstmUnitForwardAt(int hidden, int j, float c_prev, const float* x, float cont, float* acts,
                              float* c, float* h) {
  const float i = LstmSigmoid(x[j]);
  const float f = LstmSigmoid(x[hidden + j]);
  const float o = LstmSigmoid(x[2 * hidden + j]);
  const float g = LstmTanh(x[3 * hidden + j]);
  acts[j] = i;
  acts[hidden + j] = f;
  acts[2 * hidden + j] = o;
  acts[3 * hidden + j] = g;
  const float cell = cont * f * c_prev + i * g;
  *c = cell;
  *h = o * LstmTanh(cell);
}

// The gradients of the step above from those of c and h: into c_prev and
// into the four gate pre-activations (the caller stores what it needs).
struct LstmUnitGrad {
  float c_prev, i, f, o, g;
};

CNN_HD LstmUnitGrad LstmUnitBackwardAt(int hidden, int j, float c_prev, const float* acts, float c, float cont,
                                       float dc, float dh) {
  const float i = acts[j], f = acts[hidden + j], o = acts[2 * hidden + j], g = acts[3 * hidden + j];
  const float tanh_c = LstmTanh(c);
  // c reaches the loss directly and through h.
  const float dcell = dc + dh * o * (1.f - tanh_c * tanh_c);
  LstmUnitGrad d;
  d.c_prev = cont * f * dcell;
  d.i = dcell * g * i * (1.f - i);
  d.f = dcell * cont * c_prev * f * (1.f - f);
  d.o = dh * tanh_c * o * (1.f - o);
  d.g = dcell * i * (1.f - g * g);
  return d;
}

}  // namespace cnn
