#include "cnn/layers/loss/euclidean_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// The loss is summed on the device (deterministic two-step reduction, in
// double like the CPU) and written into the top there; the backward reads
// the loss weight from the top's diff on the device. No host round trip
// beyond the one Layer::Forward makes for the loss.
namespace cnn {
namespace {

// diff = a - b, and per block the sum of diff^2.
__global__ void DiffPartials(long long n, const float* a, const float* b, float* diff, double* partials) {
  __shared__ double shared[gpu::kThreads];
  double sum = 0.0;
  CNN_KERNEL_LOOP(i, n) {
    const float d = a[i] - b[i];
    diff[i] = d;
    sum += static_cast<double>(d) * d;
  }
  sum = gpu_reduce::BlockSum(sum, shared);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

__global__ void Finish(int blocks, const double* partials, int num, float* top) {
  __shared__ double shared[gpu::kThreads];
  const double sum = gpu_reduce::SumPartials(partials, blocks, shared);
  if (threadIdx.x == 0) top[0] = static_cast<float>(sum / (2.0 * num));
}

// dx = sign * loss_weight / num * diff, overwriting dx.
__global__ void Gradient(long long n, float sign, const float* loss_weight, int num, const float* diff, float* dx) {
  const float alpha = sign * loss_weight[0] / num;
  CNN_KERNEL_LOOP(k, n) dx[k] = alpha * diff[k];
}

}  // namespace

void EuclideanLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!partials_) partials_ = std::make_unique<SyncedMemory>(gpu_reduce::kMaxPartialBlocks * sizeof(double));
  double* partials = static_cast<double*>(partials_->mutable_gpu_data());
  const long long n = bottom[0]->count();
  const int blocks = gpu_reduce::PartialBlocks(n);
  DiffPartials<<<blocks, gpu::kThreads>>>(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), diff_.mutable_gpu_data(),
                                          partials);
  CNN_KERNEL_CHECK();
  Finish<<<1, gpu::kThreads>>>(blocks, partials, bottom[0]->num(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void EuclideanLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  const long long n = diff_.count();
  for (int i = 0; i < 2; ++i) {
    if (!propagate_down[i]) continue;
    // top[0]'s diff carries the loss weight.
    Gradient<<<gpu::Blocks(n), gpu::kThreads>>>(n, i == 0 ? 1.f : -1.f, top[0]->gpu_diff(), bottom[i]->num(),
                                                diff_.gpu_data(), bottom[i]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
