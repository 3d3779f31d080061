// The scan step of MAX pooling, shared by the CPU loop and the CUDA kernel.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {

// Folds the input value `v` at plane position `pos` into the window's running
// maximum. Ties keep the first position, as Caffe does. A NaN wins over any
// number and then stays (as in PyTorch and cuDNN's PROPAGATE_NAN), so a
// diverged input shows in the output instead of vanishing. The scan starts
// from the window's first tap, never from a sentinel: a window that holds only
// NaN or -inf still names a real position for the backward pass.
// The test is written with `|` and `&`, not `||` and `&&`: without
// short-circuit branches GCC turns it into selects (vector blends in the
// vectorised CPU loops) instead of jumps that mispredict on every other tap.
CNN_HD void MaxPoolStep(float v, int pos, float* best, int* arg) {
  const float b = *best;
  const bool take = (v > b) | ((v != v) & (b == b));
  *best = take ? v : b;
  *arg = take ? pos : *arg;
}

}  // namespace cnn
