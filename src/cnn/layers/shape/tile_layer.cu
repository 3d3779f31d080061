#include "cnn/layers/shape/tile_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/shape/tile_index.hpp"

namespace cnn {
namespace {

__global__ void TileForward(long long count, long long inner, int tiles, const float* in, float* out) {
  CNN_KERNEL_LOOP(t, count) { out[t] = in[TileSource(t, inner, tiles)]; }
}

// One thread per bottom element gathers its copies' diffs: no atomics, and
// the sum runs in the CPU's order.
__global__ void TileBackward(long long count, long long inner, int tiles, const float* top_diff, float* diff) {
  CNN_KERNEL_LOOP(b, count) { diff[b] = TileGradient(top_diff, b, inner, tiles); }
}

}  // namespace

void TileLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long count = top[0]->count();
  if (count == 0) return;
  TileForward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner_, tiles_, bottom[0]->gpu_data(),
                                                     top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void TileLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long count = bottom[0]->count();
  if (count == 0) return;
  TileBackward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner_, tiles_, top[0]->gpu_diff(),
                                                      bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
