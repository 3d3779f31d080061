#include "cnn/layers/shape/reshape_layer.hpp"

namespace cnn {

// The top aliases the bottom's data and diff on every device: nothing to
// run, and no CPU fallback to warn about.
void ReshapeLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {}

void ReshapeLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {}

}  // namespace cnn
