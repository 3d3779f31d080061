#include "cnn/layers/shape/filter_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/shape/filter_index.hpp"

namespace cnn {
namespace {

__global__ void FilterForward(long long count, long long inner, const int* kept, const float* in, float* out) {
  CNN_KERNEL_LOOP(t, count) { out[t] = in[FilterSource(t, inner, kept)]; }
}

__global__ void FilterBackward(long long count, long long inner, const int* position, const float* top_diff,
                               float* diff) {
  CNN_KERNEL_LOOP(b, count) { diff[b] = FilterGradient(b, inner, position, top_diff); }
}

}  // namespace

void FilterLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (num_kept_ == 0) return;
  const int* kept = static_cast<const int*>(rows_->gpu_data()) + num_;
  for (size_t i = 0; i < top.size(); ++i) {
    const long long inner = bottom[i]->count(1);
    const long long count = static_cast<long long>(num_kept_) * inner;
    if (count == 0) continue;
    FilterForward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner, kept, bottom[i]->gpu_data(),
                                                         top[i]->mutable_gpu_data());
    CNN_KERNEL_CHECK();
  }
}

void FilterLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  CheckNoSelectorGradient(propagate_down);
  if (num_ == 0) return;
  const int* position = static_cast<const int*>(rows_->gpu_data());
  for (size_t i = 0; i < top.size(); ++i) {
    if (!propagate_down[i]) continue;
    const long long inner = bottom[i]->count(1);
    const long long count = bottom[i]->count();
    if (count == 0) continue;
    // With nothing kept the top is empty; its diff pointer is never read.
    const float* top_diff = num_kept_ > 0 ? top[i]->gpu_diff() : nullptr;
    FilterBackward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner, position, top_diff,
                                                          bottom[i]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
