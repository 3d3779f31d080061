#include "cnn/layers/math/bias_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// The CPU's steps (see bias_layer.cpp) on the device.
void BiasLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  gpu_broadcast_add(view_, bottom[0]->gpu_data(), bias(bottom).gpu_data(), top[0]->mutable_gpu_data());
}

void BiasLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  const bool learned = bottom.size() == 1;
  if (learned ? param_propagate_down(0) : propagate_down[1]) {
    gpu_sum_to_operand(view_, top[0]->gpu_diff(), nullptr, learned, bias(bottom).mutable_gpu_diff());
  }
  if (propagate_down[0] && top[0] != bottom[0]) {
    gpu_copy(top[0]->count(), top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff());
  }
}

}  // namespace cnn
