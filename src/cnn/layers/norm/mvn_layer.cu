#include "cnn/layers/norm/mvn_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/norm/norm_math.hpp"
#include "cnn/layers/norm/norm_reduce.cuh"

namespace cnn {
namespace {

// One block per run of dim values: its statistics, then its outputs. x and
// y may be the same array (in place): every read of the statistics passes
// precedes BlockMoments' last barrier, and afterwards each thread reads and
// writes only its own elements.
__global__ void MvnForwardKernel(int dim, bool normalize_variance, float eps, const float* x, float* mean,
                                 float* divisor, float* y_copy, float* y) {
  __shared__ double shared[gpu::kThreads];
  const long long base = static_cast<long long>(blockIdx.x) * dim;
  float m;
  double var;
  norm::BlockMoments(x + base, dim, shared, &m, &var);
  const float d = normalize_variance ? norm::MvnDivisor(var, eps) : 1.f;
  if (threadIdx.x == 0) {
    mean[blockIdx.x] = m;
    divisor[blockIdx.x] = d;
  }
  for (long long i = threadIdx.x; i < dim; i += blockDim.x) {
    const float v = (x[base + i] - m) / d;
    y_copy[base + i] = v;
    y[base + i] = v;
  }
}

// dy and dx may be the same array: the means are complete (BlockGradMeans
// ends at a barrier) before any thread writes.
__global__ void MvnBackwardKernel(int dim, bool normalize_variance, const float* dy, const float* y,
                                  const float* divisor, float* dx) {
  __shared__ double shared[gpu::kThreads];
  const long long base = static_cast<long long>(blockIdx.x) * dim;
  float mean_dy, mean_dy_y;
  norm::BlockGradMeans(dy + base, normalize_variance ? y + base : nullptr, dim, shared, &mean_dy, &mean_dy_y);
  const float d = divisor[blockIdx.x];
  for (long long i = threadIdx.x; i < dim; i += blockDim.x)
    dx[base + i] = norm::MvnGrad(dy[base + i], y[base + i], mean_dy, mean_dy_y, d);
}

}  // namespace

void MVNLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (groups_ == 0) return;
  MvnForwardKernel<<<groups_, gpu::kThreads>>>(dim_, normalize_variance_, eps_, bottom[0]->gpu_data(),
                                               mean_.mutable_gpu_data(), divisor_.mutable_gpu_data(),
                                               y_.mutable_gpu_data(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void MVNLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) {
  if (!propagate_down[0] || groups_ == 0) return;
  MvnBackwardKernel<<<groups_, gpu::kThreads>>>(dim_, normalize_variance_, top[0]->gpu_diff(), y_.gpu_data(),
                                                divisor_.gpu_data(), bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
