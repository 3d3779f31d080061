#include "cnn/layers/shape/silence_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void SilenceLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (propagate_down[i] && bottom[i]->count() > 0)
      cpu_set(bottom[i]->count(), 0.f, bottom[i]->mutable_cpu_diff());
  }
}

CNN_REGISTER_LAYER(Silence, SilenceLayer);

}  // namespace cnn
