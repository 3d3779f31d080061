// The GPU half every loss layer here shares: device scratch for per-block
// partial sums (of the loss and of the positions that count), and the two
// finishing steps that turn them into the loss in the top and into the
// backward scale, both normalised on the device so the host never waits on
// a count. Sums are deterministic (gpu_reduce.cuh). CUDA builds only.
#pragma once

#include "cnn/core/synced_memory.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"

namespace cnn {

class LossScratchGpu {
 public:
  // As gpu_reduce::kMaxPartialBlocks (checked in loss_gpu.cu).
  static constexpr int kMaxBlocks = 512;

  // Blocks of gpu::kThreads threads for a first pass over n items.
  static int Blocks(long long n);

  double* loss_partials() { return base(); }
  double* valid_partials() { return base() + kMaxBlocks; }

  // top[0] = factor * (sum of loss partials) / norm.Divisor(positions, batch, sum of valid partials).
  void FinishLoss(int blocks, const LossNormalization& norm, double positions, double batch, double factor,
                  float* top);
  // x[0..n) *= factor * loss_weight[0] / norm.Divisor(positions, batch, sum of valid partials).
  void ScaleByLossWeight(int blocks, const LossNormalization& norm, double positions, double batch, double factor,
                         const float* loss_weight, long long n, float* x);

 private:
  double* base() { return static_cast<double*>(mem_.mutable_gpu_data()); }
  // Loss partials, valid partials, then the scale (a float in a double slot).
  SyncedMemory mem_{(2 * kMaxBlocks + 1) * sizeof(double)};
};

}  // namespace cnn
