#include "cnn/layers/recurrent/recurrent_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// The unrolled net's layers run on the GPU by themselves in GPU mode; only
// the carried state moves here, device to device.
void RecurrentLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  ShareParams();
  if (!expose_hidden_) {
    for (size_t i = 0; i < recur_inputs_.size(); ++i) {
      gpu_copy(recur_inputs_[i]->count(), recur_outputs_[i]->gpu_data(), recur_inputs_[i]->mutable_gpu_data());
    }
  }
  unrolled_net_->ForwardFromTo(0, last_layer_);
}

void RecurrentLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  CheckBackward(propagate_down);
  ShareParams();
  unrolled_net_->BackwardFromTo(last_layer_, 0);
}

}  // namespace cnn
