#include "cnn/layers/shape/slice_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// The bottom, seen as [outer][axis_size * inner], holds a top, seen as
// [outer][chunk] with chunk = top_axis * inner, in the columns
// [offset, offset + chunk) of every row. One thread per top element;
// to_top picks the direction (forward gathers values into the top, backward
// puts the top's diff back).
__global__ void SliceCopy(long long count, long long chunk, long long bottom_row, long long offset, bool to_top,
                          const float* from, float* to) {
  CNN_KERNEL_LOOP(j, count) {
    const long long row = j / chunk;
    const long long b = row * bottom_row + offset + (j - row * chunk);
    if (to_top) {
      to[j] = from[b];
    } else {
      to[b] = from[j];
    }
  }
}

}  // namespace

void SliceLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  // One top: Reshape made it an alias of the bottom.
  if (top.size() == 1) return;
  const long long inner = slice_size_;
  const long long bottom_row = static_cast<long long>(bottom[0]->shape(slice_axis_)) * inner;
  const float* in = bottom[0]->gpu_data();
  long long offset = 0;
  for (Blob* t : top) {
    const int t_axis = t->shape(slice_axis_);
    const long long count = t->count();
    if (count > 0) {
      SliceCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, t_axis * inner, bottom_row, offset * inner, true, in,
                                                       t->mutable_gpu_data());
      CNN_KERNEL_CHECK();
    }
    offset += t_axis;
  }
}

void SliceLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (top.size() == 1) {
    if (top[0]->diff() != bottom[0]->diff() && bottom[0]->count() > 0)
      gpu_copy(bottom[0]->count(), top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff());
    return;
  }
  const long long inner = slice_size_;
  const long long bottom_row = static_cast<long long>(bottom[0]->shape(slice_axis_)) * inner;
  float* in_diff = bottom[0]->mutable_gpu_diff();
  long long offset = 0;
  for (Blob* t : top) {
    const int t_axis = t->shape(slice_axis_);
    const long long count = t->count();
    if (count > 0) {
      SliceCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, t_axis * inner, bottom_row, offset * inner, false,
                                                       t->gpu_diff(), in_diff);
      CNN_KERNEL_CHECK();
    }
    offset += t_axis;
  }
}

}  // namespace cnn
