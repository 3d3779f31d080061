#include "cnn/layers/neuron/dropout_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// Forward (x, y = values) and backward (x, y = diffs) apply the same map:
// keep and scale where the mask is set, zero elsewhere. Elementwise, so
// x == y (in place) is safe.
__global__ void ApplyMask(long long n, const unsigned* mask, float scale, const float* x, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = mask[i] ? x[i] * scale : 0.f;
}

}  // namespace

// The mask comes from the GPU generator, so a GPU run keeps a different set
// of units than a CPU run with the same seed; both keep each unit with
// probability 1 - ratio and scale it identically.
void DropoutLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  if (phase_ != TRAIN) {
    gpu_copy(n, x, y);
    return;
  }
  unsigned* m = static_cast<unsigned*>(mask_->mutable_gpu_data());
  gpu_rng_bernoulli(n, 1.f - ratio_, m);
  ApplyMask<<<gpu::Blocks(n), gpu::kThreads>>>(n, m, scale_, x, y);
  CNN_KERNEL_CHECK();
}

void DropoutLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  if (n == 0) return;
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  if (phase_ != TRAIN) {
    gpu_copy(n, dy, dx);
    return;
  }
  const unsigned* m = static_cast<const unsigned*>(mask_->gpu_data());
  ApplyMask<<<gpu::Blocks(n), gpu::kThreads>>>(n, m, scale_, dy, dx);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
