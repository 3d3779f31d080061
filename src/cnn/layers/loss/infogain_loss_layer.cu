#include "cnn/layers/loss/infogain_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// One thread per position, looping over the K classes (H's row sum is
// taken by each thread: K adds, as many as the gradient writes).
namespace cnn {
namespace {

__device__ inline bool BadLabel(int label, int classes, LossNormalization norm) {
  return !norm.Ignores(label) && (label < 0 || label >= classes);
}

__global__ void LossPartials(long long positions, int classes, int inner, const float* prob, const float* labels,
                             const float* h, LossNormalization norm, double* loss_out, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(q, positions) {
    const int label = static_cast<int>(labels[q]);
    if (BadLabel(label, classes, norm)) {
      atomicMin(bad, static_cast<int>(q));
      continue;
    }
    if (norm.Ignores(label)) continue;
    const long long o = q / inner, j = q % inner;
    loss += InfogainPositionLoss(h + static_cast<long long>(label) * classes, prob + o * classes * inner + j, inner,
                                 classes);
    valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

__global__ void GradientPartials(long long positions, int classes, int inner, const float* prob, const float* labels,
                                 const float* h, LossNormalization norm, float* dx, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(q, positions) {
    const int label = static_cast<int>(labels[q]);
    const long long o = q / inner, j = q % inner;
    const long long base = o * classes * inner + j;
    if (BadLabel(label, classes, norm)) {
      atomicMin(bad, static_cast<int>(q));
      continue;
    }
    if (norm.Ignores(label)) {
      for (int k = 0; k < classes; ++k) dx[base + static_cast<long long>(k) * inner] = 0.f;
      continue;
    }
    const float* hl = h + static_cast<long long>(label) * classes;
    float row_sum = 0.f;
    for (int k = 0; k < classes; ++k) row_sum += hl[k];
    for (int k = 0; k < classes; ++k) {
      const long long at = base + static_cast<long long>(k) * inner;
      dx[at] = InfogainGradient(prob[at], row_sum, hl[k]);
    }
    valid += 1.0;
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

}  // namespace

void InfogainLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  softmax_->Forward({bottom[0]}, {&prob_});
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = LossScratchGpu::Blocks(positions);
  LossPartials<<<blocks, gpu::kThreads>>>(positions, classes_, inner_num_, prob_.gpu_data(), bottom[1]->gpu_data(),
                                          H(bottom).gpu_data(), norm_, scratch_->loss_partials(),
                                          scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, static_cast<double>(positions), outer_num_, 1.0, top[0]->mutable_gpu_data());
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
  if (top.size() > 1) gpu_copy(prob_.count(), prob_.gpu_data(), top[1]->mutable_gpu_data());
}

void InfogainLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  CheckBackward(propagate_down);
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = LossScratchGpu::Blocks(positions);
  float* dx = bottom[0]->mutable_gpu_diff();
  GradientPartials<<<blocks, gpu::kThreads>>>(positions, classes_, inner_num_, prob_.gpu_data(),
                                              bottom[1]->gpu_data(), H(bottom).gpu_data(), norm_, dx,
                                              scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->ScaleByLossWeight(blocks, norm_, static_cast<double>(positions), outer_num_, 1.0, top[0]->gpu_diff(),
                              bottom[0]->count(), dx);
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
}

}  // namespace cnn
