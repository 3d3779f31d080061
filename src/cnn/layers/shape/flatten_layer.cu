#include "cnn/layers/shape/flatten_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// A copy of the diff, not an alias, for the reasons given beside the CPU code.
void FlattenLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0] || bottom[0]->diff() == top[0]->diff() || bottom[0]->count() == 0) return;
  gpu_copy(bottom[0]->count(), top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff());
}

}  // namespace cnn
