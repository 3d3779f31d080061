#include "cnn/layers/shape/silence_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

void SilenceLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (propagate_down[i] && bottom[i]->count() > 0)
      gpu_set(bottom[i]->count(), 0.f, bottom[i]->mutable_gpu_diff());
  }
}

}  // namespace cnn
