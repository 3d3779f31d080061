// One LSTM cell step for one (item, hidden unit) pair, shared by the CPU loop
// and the CUDA kernel of LSTMUnit. Caffe's gate order within each item's 4H
// pre-activations: input i, forget f, output o, candidate g:
//   i, f, o = sigmoid(.), g = tanh(.)
//   c = cont * f * c_prev + i * g        (cont = 0 starts a new sequence)
//   h = o * tanh(c)
#pragma once

#include <math.h>

#include "cnn/core/host_device.hpp"

namespace cnn {

CNN_HD float LstmSigmoid(float x) { return 0.5f * tanhf(0.5f * x) + 0.5f; }

// x: the item's 4H pre-activations; acts: where the four activations are
// kept for the backward pass (same layout). j is the hidden unit.
CNN_HD void LstmUnitForwardAt(int hidden, int j, float c_prev, const float* x, float cont, float* acts,
                              float* c, float* h) {
  const float i = LstmSigmoid(x[j]);
  const float f = LstmSigmoid(x[hidden + j]);
  const float o = LstmSigmoid(x[2 * hidden + j]);
  const float g = tanhf(x[3 * hidden + j]);
  acts[j] = i;
  acts[hidden + j] = f;
  acts[2 * hidden + j] = o;
  acts[3 * hidden + j] = g;
  const float cell = cont * f * c_prev + i * g;
  *c = cell;
  *h = o * tanhf(cell);
}

// The gradients of the step above from those of c and h: into c_prev (when
// dc_prev is not null) and into the 4H pre-activations dx (when not null).
CNN_HD void LstmUnitBackwardAt(int hidden, int j, float c_prev, const float* acts, float c, float cont, float dc,
                               float dh, float* dc_prev, float* dx) {
  const float i = acts[j], f = acts[hidden + j], o = acts[2 * hidden + j], g = acts[3 * hidden + j];
  const float tanh_c = tanhf(c);
  // c reaches the loss directly and through h.
  const float dcell = dc + dh * o * (1.f - tanh_c * tanh_c);
  if (dc_prev) *dc_prev = cont * f * dcell;
  if (dx) {
    dx[j] = dcell * g * i * (1.f - i);
    dx[hidden + j] = dcell * cont * c_prev * f * (1.f - f);
    dx[2 * hidden + j] = dh * tanh_c * o * (1.f - o);
    dx[3 * hidden + j] = dcell * i * (1.f - g * g);
  }
}

}  // namespace cnn
