#include "cnn/layers/loss/multinomial_logistic_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// One thread per item. A label outside the class range is recorded (the
// first such item) and raised on the host with the CPU's message.
namespace cnn {
namespace {

__device__ inline bool BadLabel(int label, int dim, LossNormalization norm) {
  return !norm.Ignores(label) && (label < 0 || label >= dim);
}

__global__ void LossPartials(int num, int dim, const float* p, const float* labels, LossNormalization norm,
                             double* loss_out, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(i, num) {
    const int label = static_cast<int>(labels[i]);
    if (BadLabel(label, dim, norm)) {
      atomicMin(bad, static_cast<int>(i));
      continue;
    }
    if (norm.Ignores(label)) continue;
    loss -= logf(FlooredProbability(p[i * dim + label]));
    valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

// dx is zero on entry; writes -1/p at each label, counts the items.
__global__ void GradientPartials(int num, int dim, const float* p, const float* labels, LossNormalization norm,
                                 float* dx, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(i, num) {
    const int label = static_cast<int>(labels[i]);
    if (BadLabel(label, dim, norm)) {
      atomicMin(bad, static_cast<int>(i));
      continue;
    }
    if (norm.Ignores(label)) continue;
    const long long k = i * dim + label;
    dx[k] = -1.f / FlooredProbability(p[k]);
    valid += 1.0;
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

}  // namespace

void MultinomialLogisticLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const int blocks = LossScratchGpu::Blocks(num_);
  LossPartials<<<blocks, gpu::kThreads>>>(num_, dim_, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_,
                                          scratch_->loss_partials(), scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, num_, num_, 1.0, top[0]->mutable_gpu_data());
  const int item = bad_label_.Read();
  if (item >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[item]), item);
}

void MultinomialLogisticLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                                const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const int n = bottom[0]->count();
  float* dx = bottom[0]->mutable_gpu_diff();
  gpu_set(n, 0.f, dx);
  const int blocks = LossScratchGpu::Blocks(num_);
  GradientPartials<<<blocks, gpu::kThreads>>>(num_, dim_, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_, dx,
                                              scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  // -1/p was written; the scale is loss_weight / divisor (the sign is already in).
  scratch_->ScaleByLossWeight(blocks, norm_, num_, num_, 1.0, top[0]->gpu_diff(), n, dx);
  const int item = bad_label_.Read();
  if (item >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[item]), item);
}

}  // namespace cnn
