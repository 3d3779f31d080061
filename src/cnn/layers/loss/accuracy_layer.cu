#include "cnn/layers/loss/accuracy_layer.hpp"

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// One thread per position decides "label among the top k" and counts it per
// class with integer atomics (exact, so the result does not depend on their
// order); one block then turns the per-class counts into the accuracies,
// written into the tops on the device. The host reads back only the
// bad-label position, to raise the CPU code's error.
namespace cnn {
namespace {

__global__ void CountPerClass(long long positions, int channels, int inner, int top_k, const float* scores,
                              const float* labels, bool has_ignore, int ignore, int* class_count,
                              int* class_correct, int* bad_position) {
  CNN_KERNEL_LOOP(p, positions) {
    const int label = static_cast<int>(labels[p]);
    if (has_ignore && label == ignore) continue;
    if (label < 0 || label >= channels) {
      atomicMin(bad_position, static_cast<int>(p));
      continue;
    }
    atomicAdd(&class_count[label], 1);
    const long long o = p / inner, j = p % inner;
    const float* s = scores + o * channels * inner + j;
    const float truth = s[static_cast<long long>(label) * inner];
    // As on the CPU: count the classes scoring at least as high as the truth
    // (itself included), stop once that rules it out; a NaN truth is wrong.
    if (isnan(truth)) continue;
    int at_least = 0;
    for (int c = 0; c < channels && at_least <= top_k; ++c) at_least += s[static_cast<long long>(c) * inner] >= truth;
    if (at_least <= top_k) atomicAdd(&class_correct[label], 1);
  }
}

// One block. per_class may be null (no second top).
__global__ void Finish(int channels, const int* class_count, const int* class_correct, float* accuracy,
                       float* per_class) {
  __shared__ double shared[gpu::kThreads];
  double count = 0.0, correct = 0.0;
  for (int c = threadIdx.x; c < channels; c += blockDim.x) {
    count += class_count[c];
    correct += class_correct[c];
    if (per_class) {
      per_class[c] = class_count[c] == 0 ? 0.f : static_cast<float>(class_correct[c]) / class_count[c];
    }
  }
  // Integers below 2^53: the double sums are exact.
  count = gpu_reduce::BlockSum(count, shared);
  correct = gpu_reduce::BlockSum(correct, shared);
  if (threadIdx.x == 0) {
    accuracy[0] = count == 0.0 ? 0.f : static_cast<float>(correct) / static_cast<float>(count);
  }
}

}  // namespace

void AccuracyLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const size_t bytes = 2 * static_cast<size_t>(channels_) * sizeof(int);
  if (!class_counts_ || class_counts_->size() != bytes) class_counts_ = std::make_unique<SyncedMemory>(bytes);
  int* class_count = static_cast<int*>(class_counts_->mutable_gpu_data());
  int* class_correct = class_count + channels_;
  CNN_CUDA_CHECK(cudaMemsetAsync(class_count, 0, bytes, 0));
  int* bad = bad_label_.Arm();
  const long long positions = static_cast<long long>(outer_num_) * inner_num_;
  CountPerClass<<<gpu::Blocks(positions), gpu::kThreads>>>(positions, channels_, inner_num_, top_k_,
                                                           bottom[0]->gpu_data(), bottom[1]->gpu_data(),
                                                           has_ignore_label_, ignore_label_, class_count,
                                                           class_correct, bad);
  CNN_KERNEL_CHECK();
  float* per_class = top.size() > 1 ? top[1]->mutable_gpu_data() : nullptr;
  Finish<<<1, gpu::kThreads>>>(channels_, class_count, class_correct, top[0]->mutable_gpu_data(), per_class);
  CNN_KERNEL_CHECK();
  const int position = bad_label_.Read();
  if (position >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[position]), position);
}

}  // namespace cnn
