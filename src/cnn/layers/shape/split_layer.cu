#include "cnn/layers/shape/split_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// The bottom's gradient is the sum of its consumers' gradients; the first
// is copied (the bottom diff is overwritten, not accumulated into).
void SplitLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  if (n == 0) return;
  float* bottom_diff = bottom[0]->mutable_gpu_diff();
  gpu_copy(n, top[0]->gpu_diff(), bottom_diff);
  for (size_t i = 1; i < top.size(); ++i) gpu_axpy(n, 1.f, top[i]->gpu_diff(), bottom_diff);
}

}  // namespace cnn
