#include "cnn/layers/shape/crop_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// One thread per top element; forward gathers from the bottom, backward puts
// the top's diff back into the (zeroed) bottom diff. Every top element has
// its own source, so the scatter needs no atomics.
__global__ void CropCopy(long long count, CropIndex c, bool forward, const float* from, float* to) {
  CNN_KERNEL_LOOP(t, count) {
    const long long b = CropSource(c, t);
    if (forward) {
      to[t] = from[b];
    } else {
      to[b] = from[t];
    }
  }
}

}  // namespace

void CropLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long count = top[0]->count();
  if (count == 0) return;
  CropCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, index_, true, bottom[0]->gpu_data(),
                                                  top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void CropLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (propagate_down[1] && bottom[1]->count() > 0) gpu_set(bottom[1]->count(), 0.f, bottom[1]->mutable_gpu_diff());
  if (!propagate_down[0] || bottom[0]->count() == 0) return;
  float* diff = bottom[0]->mutable_gpu_diff();
  gpu_set(bottom[0]->count(), 0.f, diff);
  const long long count = top[0]->count();
  if (count == 0) return;
  CropCopy<<<gpu::Blocks(count), gpu::kThreads>>>(count, index_, false, top[0]->gpu_diff(), diff);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
