#include "cnn/layers/loss/softmax_loss_layer.hpp"

#include <cfloat>

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// The GPU passes keep everything on the device: the loss is summed by
// deterministic two-step reductions (gpu_reduce.cuh) and written into the
// top there, and the backward scale (loss weight / normalizer) is computed
// there too. The host reads back only the bad-label position, to raise the
// CPU code's error; Layer::Forward reads the loss itself.
namespace cnn {
namespace {

using gpu_reduce::BlockSum;
using gpu_reduce::kMaxPartialBlocks;
using gpu_reduce::SumPartials;

// Layout of the scratch buffer, in doubles.
constexpr int kLossPartials = 0;
constexpr int kValidPartials = kMaxPartialBlocks;
constexpr int kScaleSlot = 2 * kMaxPartialBlocks;  // a float, stored in a double slot
constexpr size_t kScratchBytes = (2 * kMaxPartialBlocks + 1) * sizeof(double);

// What the summed loss is divided by: the CPU's Normalizer, with the valid
// count only known on the device. `fixed` is Normalizer(any count) for the
// modes that do not count.
__device__ inline float Normalizer(bool by_valid, float fixed, double valid) {
  return by_valid ? fmaxf(static_cast<float>(valid), 1.f) : fixed;
}

// Per block: the summed -log p(label) and the number of positions counted.
__global__ void LossPartials(long long positions, int channels, int inner, const float* prob, const float* labels,
                             bool has_ignore, int ignore, double* partials, int* bad_position) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    if (has_ignore && label == ignore) continue;
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
  loss = BlockSum(loss, shared);
  valid = BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    partials[kLossPartials + blockIdx.x] = loss;
    partials[kValidPartials + blockIdx.x] = valid;
  }
}

__global__ void LossFinish(int blocks, const double* partials, bool by_valid, float fixed_normalizer, float* top) {
  __shared__ double shared[gpu::kThreads];
  const double loss = SumPartials(partials + kLossPartials, blocks, shared);
  const double valid = SumPartials(partials + kValidPartials, blocks, shared);
  if (threadIdx.x == 0) top[0] = static_cast<float>(loss / Normalizer(by_valid, fixed_normalizer, valid));
}

// dx holds the probabilities on entry: subtract 1 at the label, zero the
// ignored positions; count the positions that contribute per block.
__global__ void GradientPartials(long long positions, int channels, int inner, const float* labels, bool has_ignore,
                                 int ignore, float* dx, double* partials, int* bad_position) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    const long long o = p / inner, j = p % inner;
    float* d = dx + o * channels * inner + j;
    if (has_ignore && label == ignore) {
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
  valid = BlockSum(valid, shared);
  if (threadIdx.x == 0) partials[kValidPartials + blockIdx.x] = valid;
}

// top[0]'s diff carries the loss weight.
__global__ void GradientScale(int blocks, double* partials, bool by_valid, float fixed_normalizer,
                              const float* loss_weight) {
  __shared__ double shared[gpu::kThreads];
  const double valid = SumPartials(partials + kValidPartials, blocks, shared);
  if (threadIdx.x == 0) {
    reinterpret_cast<float*>(partials + kScaleSlot)[0] =
        loss_weight[0] / Normalizer(by_valid, fixed_normalizer, valid);
  }
}

__global__ void ScaleBy(long long n, const double* partials, float* x) {
  const float scale = reinterpret_cast<const float*>(partials + kScaleSlot)[0];
  CNN_KERNEL_LOOP(i, n) x[i] *= scale;
}

}  // namespace

void SoftmaxWithLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  softmax_->Forward({bottom[0]}, {&prob_});
  if (!scratch_) scratch_ = std::make_unique<SyncedMemory>(kScratchBytes);
  double* partials = static_cast<double*>(scratch_->mutable_gpu_data());
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = gpu_reduce::PartialBlocks(positions);
  int* bad = bad_label_.Arm();
  LossPartials<<<blocks, gpu::kThreads>>>(positions, channels_, inner_num_, prob_.gpu_data(), bottom[1]->gpu_data(),
                                          has_ignore_label_, ignore_label_, partials, bad);
  CNN_KERNEL_CHECK();
  const bool by_valid = normalization_ == LossParameter::VALID;
  LossFinish<<<1, gpu::kThreads>>>(blocks, partials, by_valid, Normalizer(0), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
  if (top.size() > 1) gpu_copy(prob_.count(), prob_.gpu_data(), top[1]->mutable_gpu_data());
}

void SoftmaxWithLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  CNN_CHECK(propagate_down.size() < 2 || !propagate_down[1],
            where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<SyncedMemory>(kScratchBytes);
  double* partials = static_cast<double*>(scratch_->mutable_gpu_data());
  const int n = prob_.count();
  float* dx = bottom[0]->mutable_gpu_diff();
  gpu_copy(n, prob_.gpu_data(), dx);
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  const int blocks = gpu_reduce::PartialBlocks(positions);
  int* bad = bad_label_.Arm();
  GradientPartials<<<blocks, gpu::kThreads>>>(positions, channels_, inner_num_, bottom[1]->gpu_data(),
                                              has_ignore_label_, ignore_label_, dx, partials, bad);
  CNN_KERNEL_CHECK();
  const bool by_valid = normalization_ == LossParameter::VALID;
  GradientScale<<<1, gpu::kThreads>>>(blocks, partials, by_valid, Normalizer(0), top[0]->gpu_diff());
  CNN_KERNEL_CHECK();
  ScaleBy<<<gpu::Blocks(n), gpu::kThreads>>>(n, partials, dx);
  CNN_KERNEL_CHECK();
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
}

}  // namespace cnn
