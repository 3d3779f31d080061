#include "cnn/layers/loss/loss_gpu.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

namespace cnn {
namespace {

static_assert(LossScratchGpu::kMaxBlocks == gpu_reduce::kMaxPartialBlocks, "scratch sized for the reductions");

__global__ void Finish(int blocks, const double* loss, const double* valid, LossNormalization norm, double positions,
                       double batch, double factor, float* top) {
  __shared__ double shared[gpu::kThreads];
  const double sum = gpu_reduce::SumPartials(loss, blocks, shared);
  const double count = gpu_reduce::SumPartials(valid, blocks, shared);
  if (threadIdx.x == 0) top[0] = static_cast<float>(factor * sum / norm.Divisor(positions, batch, count));
}

__global__ void Scale(int blocks, const double* valid, LossNormalization norm, double positions, double batch,
                      double factor, const float* loss_weight, float* scale) {
  __shared__ double shared[gpu::kThreads];
  const double count = gpu_reduce::SumPartials(valid, blocks, shared);
  if (threadIdx.x == 0)
    scale[0] = static_cast<float>(factor * loss_weight[0] / norm.Divisor(positions, batch, count));
}

__global__ void ScaleBy(long long n, const float* scale, float* x) {
  const float s = scale[0];
  CNN_KERNEL_LOOP(i, n) x[i] *= s;
}

}  // namespace

int LossScratchGpu::Blocks(long long n) { return gpu_reduce::PartialBlocks(n); }

void LossScratchGpu::FinishLoss(int blocks, const LossNormalization& norm, double positions, double batch,
                                double factor, float* top) {
  Finish<<<1, gpu::kThreads>>>(blocks, loss_partials(), valid_partials(), norm, positions, batch, factor, top);
  CNN_KERNEL_CHECK();
}

void LossScratchGpu::ScaleByLossWeight(int blocks, const LossNormalization& norm, double positions, double batch,
                                       double factor, const float* loss_weight, long long n, float* x) {
  float* scale = reinterpret_cast<float*>(base() + 2 * kMaxBlocks);
  Scale<<<1, gpu::kThreads>>>(blocks, valid_partials(), norm, positions, batch, factor, loss_weight, scale);
  CNN_KERNEL_CHECK();
  if (n > 0) {
    ScaleBy<<<gpu::Blocks(static_cast<size_t>(n)), gpu::kThreads>>>(n, scale, x);
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
