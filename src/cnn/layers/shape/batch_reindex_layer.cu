#include "cnn/layers/shape/batch_reindex_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/shape/batch_reindex_index.hpp"

namespace cnn {
namespace {

__global__ void ReindexForward(long long count, long long inner, const float* perm, const float* in, float* out) {
  CNN_KERNEL_LOOP(t, count) { out[t] = in[ReindexSource(t, inner, perm)]; }
}

// One thread per bottom element gathers the diffs of the top rows that read
// it (no atomics; the CPU's order, so the same sums).
__global__ void ReindexBackward(long long count, long long inner, const int* begin, const int* order,
                                const float* top_diff, float* diff) {
  CNN_KERNEL_LOOP(b, count) { diff[b] = ReindexGradient(b, inner, begin, order, top_diff); }
}

}  // namespace

void BatchReindexLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  CheckIndices(*bottom[1], *bottom[0]);
  const long long count = top[0]->count();
  if (count == 0) return;
  ReindexForward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner_, bottom[1]->gpu_data(), bottom[0]->gpu_data(),
                                                        top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void BatchReindexLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  CheckNoIndexGradient(propagate_down);
  if (!propagate_down[0]) return;
  const int rows = bottom[0]->shape(0);
  CheckIndices(*bottom[1], *bottom[0]);
  BuildGradientIndex(*bottom[1], rows);
  const long long count = bottom[0]->count();
  if (count == 0) return;
  const int* begin = static_cast<const int*>(csr_->gpu_data());
  ReindexBackward<<<gpu::Blocks(count), gpu::kThreads>>>(count, inner_, begin, begin + rows + 1, top[0]->gpu_diff(),
                                                         bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
