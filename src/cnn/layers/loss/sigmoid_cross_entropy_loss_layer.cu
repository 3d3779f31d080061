#include "cnn/layers/loss/sigmoid_cross_entropy_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// Loss and gradient stay on the device; the divisor is computed there from
// the device-side count (loss_gpu.hpp).
namespace cnn {
namespace {

__global__ void LossPartials(long long n, const float* x, const float* t, LossNormalization norm, double* loss_out,
                             double* valid_out) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(i, n) {
    if (norm.Ignores(static_cast<int>(t[i]))) continue;
    loss += SigmoidCrossEntropy(x[i], t[i]);
    valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

// Unscaled gradient, and per block the count of positions that contribute.
__global__ void GradientPartials(long long n, const float* x, const float* t, LossNormalization norm, float* dx,
                                 double* valid_out) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(i, n) {
    if (norm.Ignores(static_cast<int>(t[i]))) {
      dx[i] = 0.f;
    } else {
      dx[i] = SigmoidOf(x[i]) - t[i];
      valid += 1.0;
    }
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

}  // namespace

void SigmoidCrossEntropyLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long n = bottom[0]->count();
  const int blocks = LossScratchGpu::Blocks(n);
  LossPartials<<<blocks, gpu::kThreads>>>(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_,
                                          scratch_->loss_partials(), scratch_->valid_partials());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, static_cast<double>(n), outer_num_, 1.0, top[0]->mutable_gpu_data());
}

void SigmoidCrossEntropyLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                                const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the targets (bottom 1)");
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long n = bottom[0]->count();
  const int blocks = LossScratchGpu::Blocks(n);
  float* dx = bottom[0]->mutable_gpu_diff();
  GradientPartials<<<blocks, gpu::kThreads>>>(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_, dx,
                                              scratch_->valid_partials());
  CNN_KERNEL_CHECK();
  scratch_->ScaleByLossWeight(blocks, norm_, static_cast<double>(n), outer_num_, 1.0, top[0]->gpu_diff(), n, dx);
}

}  // namespace cnn
