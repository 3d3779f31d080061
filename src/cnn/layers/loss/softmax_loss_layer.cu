#include "cnn/layers/loss/softmax_loss_layer.hpp"

#include <cfloat>

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"
#include "cnn/gpu/math_gpu.hpp"

// The GPU passes keep everything on the device: the loss is summed by
// deterministic two-step reductions (gpu_reduce.cuh) and normalised in the
// top there, and the backward scale (loss weight / divisor) is computed
// there too (LossScratchGpu, shared with the other losses). The host reads
// back only the bad-label position, to raise the CPU code's error;
// Layer::Forward reads the loss itself.
namespace cnn {
namespace {

// Per block: the summed -log p(label) and the number of positions counted.
__global__ void LossPartials(long long positions, int channels, int inner, const float* prob, const float* labels,
                             LossNormalization norm, double* loss_out, double* valid_out, int* bad_position) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    if (norm.Ignores(label)) continue;
    if (label < 0 || label >= channels) {
      atomicMin(bad_position, static_cast<int>(p));
      continue;
    }
    const long long o = p / inner, j = p % inner;
    const float pr = prob[(o * channels + label) * inner + j];
    // As std::max(pr, FLT_MIN) on the CPU: a NaN probability stays NaN.
    loss -= logf(pr < FLT_MIN ? FLT_MIN : pr);
    valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

// dx holds the probabilities on entry: subtract 1 at the label, zero the
// ignored positions; count the positions that contribute per block.
__global__ void GradientPartials(long long positions, int channels, int inner, const float* labels,
                                 LossNormalization norm, float* dx, double* valid_out, int* bad_position) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    const long long o = p / inner, j = p % inner;
    float* d = dx + o * channels * inner + j;
    if (norm.Ignores(label)) {
      for (int c = 0; c < channels; ++c) d[static_cast<long long>(c) * inner] = 0.f;
      continue;
    }
    if (label < 0 || label >= channels) {
      atomicMin(bad_position, static_cast<int>(p));
      continue;
    }
    d[static_cast<long long>(label) * inner] -= 1.f;
    valid += 1.0;
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

}  // namespace

void SoftmaxWithLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  softmax_->Forward({bottom[0]}, {&prob_});
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = LossScratchGpu::Blocks(positions);
  LossPartials<<<blocks, gpu::kThreads>>>(positions, channels_, inner_num_, prob_.gpu_data(), bottom[1]->gpu_data(),
                                          norm_, scratch_->loss_partials(), scratch_->valid_partials(),
                                          bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, static_cast<double>(positions), outer_num_, 1.0, top[0]->mutable_gpu_data());
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
  if (top.size() > 1) gpu_copy(prob_.count(), prob_.gpu_data(), top[1]->mutable_gpu_data());
}

void SoftmaxWithLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  CNN_CHECK(propagate_down.size() < 2 || !propagate_down[1],
            where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const int n = prob_.count();
  float* dx = bottom[0]->mutable_gpu_diff();
  gpu_copy(n, prob_.gpu_data(), dx);
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = LossScratchGpu::Blocks(positions);
  GradientPartials<<<blocks, gpu::kThreads>>>(positions, channels_, inner_num_, bottom[1]->gpu_data(), norm_, dx,
                                              scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  // top[0]'s diff carries the loss weight.
  scratch_->ScaleByLossWeight(blocks, norm_, static_cast<double>(positions), outer_num_, 1.0, top[0]->gpu_diff(), n,
                              dx);
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
}

}  // namespace cnn
