#include "cnn/layers/conv/im2col_layer.hpp"

namespace cnn {

// The CPU's per-image loop over the GPU column helpers (Col2ImGpu gathers,
// so it matches the CPU bit for bit).
void Im2colLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* x = bottom[0]->gpu_data();
  float* y = top[0]->mutable_gpu_data();
  for (int i = 0; i < num_; ++i) Im2ColGpu(x + i * in_dim, 1, geom_, y + i * out_dim, force_nd_);
}

void Im2colLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long in_dim = geom_.image_size();
  const long long out_dim = static_cast<long long>(geom_.col_rows()) * geom_.out_size();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  for (int i = 0; i < num_; ++i) Col2ImGpu(dy + i * out_dim, 1, geom_, dx + i * in_dim, force_nd_);
}

}  // namespace cnn
