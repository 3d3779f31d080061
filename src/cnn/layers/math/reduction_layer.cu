#include "cnn/layers/math/reduction_layer.hpp"

#include <algorithm>

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"
#include "cnn/layers/math/reduction_op.hpp"

namespace cnn {
namespace {

// One block per row (rows beyond the grid loop): each thread sums a strided
// share of the row in double, then the block adds the shares. The split
// depends only on dim, so a run repeats bit for bit.
__global__ void ReduceRows(int num, int dim, int op, float coeff, const float* x, float* y) {
  __shared__ double shared[gpu::kThreads];
  for (int row = blockIdx.x; row < num; row += gridDim.x) {
    const float* r = x + static_cast<long long>(row) * dim;
    double sum = 0.0;
    for (int j = threadIdx.x; j < dim; j += blockDim.x) sum += ReductionTerm(op, r[j]);
    sum = gpu_reduce::BlockSum(sum, shared);
    if (threadIdx.x == 0) y[row] = static_cast<float>(sum) * coeff;
  }
}

__global__ void ReductionBackward(long long count, int dim, int op, float coeff, const float* x, const float* dy,
                                  float* dx) {
  CNN_KERNEL_LOOP(i, count) { dx[i] = ReductionGradient(op, x[i], dy[i / dim] * coeff); }
}

}  // namespace

void ReductionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (num_ == 0) return;
  const int grid = std::min(num_, 4096);
  ReduceRows<<<grid, gpu::kThreads>>>(num_, dim_, op_, coeff_, bottom[0]->gpu_data(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void ReductionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long count = bottom[0]->count();
  if (count == 0) return;
  ReductionBackward<<<gpu::Blocks(count), gpu::kThreads>>>(count, dim_, op_, coeff_, bottom[0]->gpu_data(),
                                                           top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
