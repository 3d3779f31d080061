#include "cnn/layers/norm/segment_norm_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/norm/norm_math.hpp"
#include "cnn/layers/norm/norm_reduce.cuh"

namespace cnn {
namespace {

// One block per run. x and y may be the same array: the statistics' reads
// all precede BlockMoments' last barrier, and afterwards each thread reads
// and writes only its own elements.
__global__ void SegmentForwardKernel(int groups, int group_len, int inner, float eps, const float* x,
                                     const float* __restrict__ gamma, const float* __restrict__ beta, float* mean,
                                     float* inv_std, float* x_hat, float* y) {
  __shared__ double shared[gpu::kThreads];
  const int s = blockIdx.x;
  const long long base = static_cast<long long>(s) * group_len;
  float m;
  double var;
  norm::BlockMoments(x + base, group_len, shared, &m, &var);
  const float r = norm::InvStd(var, eps);
  if (threadIdx.x == 0) {
    mean[s] = m;
    inv_std[s] = r;
  }
  const long long first = static_cast<long long>(s % groups) * group_len;
  for (long long i = threadIdx.x; i < group_len; i += blockDim.x) {
    const float v = norm::Standardize(x[base + i], m, r);
    x_hat[base + i] = v;
    if (gamma) {
      const long long p = (first + i) / inner;
      y[base + i] = gamma[p] * v + beta[p];
    } else {
      y[base + i] = v;
    }
  }
}

// One block per gamma/beta element: its num x inner terms.
__global__ void AffineGradKernel(int num, long long example, int inner, bool want_gamma, bool want_beta,
                                 const float* __restrict__ dy, const float* __restrict__ x_hat,
                                 float* __restrict__ dgamma, float* __restrict__ dbeta) {
  __shared__ double shared[gpu::kThreads];
  const int p = blockIdx.x;
  const long long count = static_cast<long long>(num) * inner;
  double sg = 0, sb = 0;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    const long long i = j / inner * example + static_cast<long long>(p) * inner + j % inner;
    sg += static_cast<double>(dy[i]) * x_hat[i];
    sb += dy[i];
  }
  sg = gpu_reduce::BlockSum(sg, shared);
  sb = gpu_reduce::BlockSum(sb, shared);
  if (threadIdx.x == 0) {
    if (want_gamma) dgamma[p] = static_cast<float>(dgamma[p] + sg);
    if (want_beta) dbeta[p] = static_cast<float>(dbeta[p] + sb);
  }
}

// One block per run. dy and dx may be the same array: the sums end at a
// barrier before any thread writes.
__global__ void SegmentBackwardKernel(int groups, int group_len, int inner, const float* dy,
                                      const float* __restrict__ gamma, const float* __restrict__ x_hat,
                                      const float* __restrict__ inv_std, float* dx) {
  __shared__ double shared[gpu::kThreads];
  const int s = blockIdx.x;
  const long long base = static_cast<long long>(s) * group_len;
  const long long first = static_cast<long long>(s % groups) * group_len;
  double sum = 0, sum_x = 0;
  for (long long i = threadIdx.x; i < group_len; i += blockDim.x) {
    const float g = gamma ? dy[base + i] * gamma[(first + i) / inner] : dy[base + i];
    sum += g;
    sum_x += static_cast<double>(g) * x_hat[base + i];
  }
  sum = gpu_reduce::BlockSum(sum, shared);
  sum_x = gpu_reduce::BlockSum(sum_x, shared);
  const float mean_g = group_len > 0 ? static_cast<float>(sum / group_len) : 0.f;
  const float mean_gx = group_len > 0 ? static_cast<float>(sum_x / group_len) : 0.f;
  const float r = inv_std[s];
  for (long long i = threadIdx.x; i < group_len; i += blockDim.x) {
    const float g = gamma ? dy[base + i] * gamma[(first + i) / inner] : dy[base + i];
    dx[base + i] = norm::StandardizeGrad(g, x_hat[base + i], mean_g, mean_gx, r);
  }
}

}  // namespace

void SegmentNormLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const Layout& l = layout_;
  const int segments = l.num * l.groups;
  if (segments == 0) return;
  SegmentForwardKernel<<<segments, gpu::kThreads>>>(
      l.groups, l.group_len, l.inner, eps_, bottom[0]->gpu_data(), affine_ ? blobs_[0]->gpu_data() : nullptr,
      affine_ ? blobs_[1]->gpu_data() : nullptr, mean_.mutable_gpu_data(), inv_std_.mutable_gpu_data(),
      x_hat_.mutable_gpu_data(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void SegmentNormLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  const Layout& l = layout_;
  const long long example = static_cast<long long>(l.groups) * l.group_len;
  if (affine_ && (param_propagate_down(0) || param_propagate_down(1)) && blobs_[0]->count() > 0) {
    AffineGradKernel<<<blobs_[0]->count(), gpu::kThreads>>>(
        l.num, example, l.inner, param_propagate_down(0), param_propagate_down(1), top[0]->gpu_diff(),
        x_hat_.gpu_data(), blobs_[0]->mutable_gpu_diff(), blobs_[1]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
  const int segments = l.num * l.groups;
  if (!propagate_down[0] || segments == 0) return;
  SegmentBackwardKernel<<<segments, gpu::kThreads>>>(l.groups, l.group_len, l.inner, top[0]->gpu_diff(),
                                                     affine_ ? blobs_[0]->gpu_data() : nullptr, x_hat_.gpu_data(),
                                                     inv_std_.gpu_data(), bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
