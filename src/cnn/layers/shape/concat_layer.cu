#include "cnn/layers/shape/concat_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

// The top, seen as [outer][top_axis * inner], holds a bottom, seen as
// [outer][chunk] with chunk = bottom_axis * inner, in the columns
// [offset, offset + chunk) of every row, where offset = axis_offset * inner.
// One thread per bottom element; to_top picks the direction (forward copies
// values into the top, backward copies the top's diff back out).
__global__ void ConcatCopy(long long count, long long chunk, long long top_row, long long offset,
                           bool to_top, const float* from, float* to) {
  CNN_KERNEL_LOOP(j, count) {
    const long long row = j / chunk;
    const long long t = row * top_row + offset + (j - row * chunk);
    if (to_top) {
      to[t] = from[j];
    } else {
      to[j] = from[t];
    }
  }
}

}  // namespace

void ConcatLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  // One bottom: Reshape made the top an alias of it.
  if (bottom.size() == 1) return;
  const long long inner = concat_input_size_;
  const long long top_row = static_cast<long long>(top[0]->shape(concat_axis_)) * inner;
  float* top_data = top[0]->mutable_gpu_data();
  long long axis_offset = 0;
  for (Blob* b : bottom) {
    const int b_axis = b->shape(concat_axis_);
    const long long count = b->count();
    if (count > 0) {
      ConcatCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, b_axis * inner, top_row, axis_offset * inner,
                                                        true, b->gpu_data(), top_data);
      CNN_KERNEL_CHECK();
    }
    axis_offset += b_axis;
  }
}

void ConcatLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  const long long inner = concat_input_size_;
  const long long top_row = static_cast<long long>(top[0]->shape(concat_axis_)) * inner;
  long long axis_offset = 0;
  for (size_t i = 0; i < bottom.size(); ++i) {
    Blob* b = bottom[i];
    const int b_axis = b->shape(concat_axis_);
    const long long count = b->count();
    // As on the CPU: a bottom whose diff is the top's already holds it.
    if (propagate_down[i] && b->diff() != top[0]->diff() && count > 0) {
      ConcatCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, b_axis * inner, top_row, axis_offset * inner,
                                                        false, top[0]->gpu_diff(), b->mutable_gpu_diff());
      CNN_KERNEL_CHECK();
    }
    axis_offset += b_axis;
  }
}

}  // namespace cnn
