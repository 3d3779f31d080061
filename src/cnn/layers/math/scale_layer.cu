#include "cnn/layers/math/scale_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// The CPU's steps (see scale_layer.cpp) on the device.
void ScaleLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const bool keep_x = bottom.size() > 1 || param_propagate_down(0);  // as on the CPU
  if (top[0] == bottom[0] && keep_x) gpu_copy(bottom[0]->count(), bottom[0]->gpu_data(), x_copy_.mutable_gpu_data());
  gpu_broadcast_scale(view_, bottom[0]->gpu_data(), scale(bottom).gpu_data(), bias_gpu(), top[0]->mutable_gpu_data());
}

void ScaleLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  const float* dy = top[0]->gpu_diff();
  if (bias_id_ >= 0 && param_propagate_down(bias_id_)) {
    gpu_sum_to_operand(view_, dy, nullptr, true, blobs_[bias_id_]->mutable_gpu_diff());
  }
  const bool learned_scale = bottom.size() == 1;
  if (learned_scale ? param_propagate_down(0) : propagate_down[1]) {
    const float* x = (top[0] == bottom[0] ? x_copy_ : *bottom[0]).gpu_data();
    Blob& s = learned_scale ? *blobs_[0] : *bottom[1];
    gpu_sum_to_operand(view_, dy, x, learned_scale, s.mutable_gpu_diff());
  }
  if (propagate_down[0]) {
    gpu_broadcast_scale(view_, dy, scale(bottom).gpu_data(), nullptr, bottom[0]->mutable_gpu_diff());
  }
}

}  // namespace cnn
