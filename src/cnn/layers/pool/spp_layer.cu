#include "cnn/layers/pool/spp_layer.hpp"

namespace cnn {

// The internal Split, Pooling, Flatten and Concat layers have GPU paths of
// their own and pick them from the context: the composition is the same
// on both devices.
void SPPLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) { ForwardLevels(bottom, top); }

void SPPLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) {
  BackwardLevels(top, propagate_down, bottom);
}

}  // namespace cnn
