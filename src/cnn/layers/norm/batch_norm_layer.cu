#include "cnn/layers/norm/batch_norm_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {
namespace {

// Element i of channel c's N x inner values in an N x C x inner array.
__device__ __forceinline__ long long ChannelIndex(long long i, int c, int channels, int inner) {
  return (i / inner * channels + c) * inner + i % inner;
}

// The statistics read back from the stored sums, one thread per channel; the
// divisor is read on the device, so no host round trip.
__global__ void GlobalStatsKernel(int channels, float eps, const float* __restrict__ sum_mean,
                                  const float* __restrict__ sum_var, const float* __restrict__ total,
                                  float* __restrict__ mean, float* __restrict__ inv_std) {
  CNN_KERNEL_LOOP(c, channels) {
    const float scale = norm::StoredStatsScale(total[0]);
    mean[c] = sum_mean[c] * scale;
    inv_std[c] = norm::InvStd(sum_var[c] * scale, eps);
  }
}

// One block per channel: the batch mean and (biased) variance in double, two
// passes as on the CPU, then the running sums updated as Caffe does.
// Block 0 also advances the weight total, which no block reads here.
__global__ void BatchStatsKernel(int num, int channels, int inner, float eps, float fraction, double unbiased,
                                 const float* __restrict__ x, float* __restrict__ mean,
                                 float* __restrict__ inv_std, float* __restrict__ sum_mean,
                                 float* __restrict__ sum_var, float* __restrict__ total) {
  __shared__ double shared[gpu::kThreads];
  const int c = blockIdx.x;
  const long long count = static_cast<long long>(num) * inner;
  double s = 0;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) s += x[ChannelIndex(i, c, channels, inner)];
  s = gpu_reduce::BlockSum(s, shared);
  const float m = count > 0 ? static_cast<float>(s / count) : 0.f;
  double ss = 0;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) {
    const double d = static_cast<double>(x[ChannelIndex(i, c, channels, inner)]) - m;
    ss += d * d;
  }
  ss = gpu_reduce::BlockSum(ss, shared);
  if (threadIdx.x == 0) {
    const double var = count > 0 ? ss / count : 0.0;
    mean[c] = m;
    inv_std[c] = norm::InvStd(var, eps);
    sum_mean[c] = norm::FoldIntoSum(m, fraction, sum_mean[c]);
    sum_var[c] = norm::FoldIntoSum(static_cast<float>(unbiased * var), fraction, sum_var[c]);
    if (c == 0) total[0] = norm::FoldIntoSum(1.f, fraction, total[0]);
  }
}

// x and y may be the same array (in place): each thread reads x[i] before
// writing y[i] and touches no other element.
__global__ void NormalizeKernel(long long n, int channels, int inner, const float* x, const float* mean,
                                const float* inv_std, float* x_hat, float* y) {
  CNN_KERNEL_LOOP(i, n) {
    const int c = static_cast<int>(i / inner % channels);
    const float v = norm::Standardize(x[i], mean[c], inv_std[c]);
    if (x_hat) x_hat[i] = v;  // null with global statistics, as on the CPU
    y[i] = v;
  }
}

__global__ void AffineBackwardKernel(long long n, int channels, int inner, const float* dy,
                                     const float* inv_std, float* dx) {
  CNN_KERNEL_LOOP(i, n) dx[i] = dy[i] * inv_std[static_cast<int>(i / inner % channels)];
}

// One block per channel: the means of dy and dy * x_hat.
__global__ void GradStatsKernel(int num, int channels, int inner, const float* __restrict__ dy,
                                const float* __restrict__ x_hat, float* __restrict__ mean_dy,
                                float* __restrict__ mean_dy_x_hat) {
  __shared__ double shared[gpu::kThreads];
  const int c = blockIdx.x;
  const long long count = static_cast<long long>(num) * inner;
  double s = 0, sx = 0;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) {
    const long long j = ChannelIndex(i, c, channels, inner);
    s += dy[j];
    sx += static_cast<double>(dy[j]) * x_hat[j];
  }
  s = gpu_reduce::BlockSum(s, shared);
  sx = gpu_reduce::BlockSum(sx, shared);
  if (threadIdx.x == 0) {
    mean_dy[c] = count > 0 ? static_cast<float>(s / count) : 0.f;
    mean_dy_x_hat[c] = count > 0 ? static_cast<float>(sx / count) : 0.f;
  }
}

// dy and dx may be the same array (in place), element for element.
__global__ void BatchBackwardKernel(long long n, int channels, int inner, const float* dy, const float* x_hat,
                                    const float* mean_dy, const float* mean_dy_x_hat, const float* inv_std,
                                    float* dx) {
  CNN_KERNEL_LOOP(i, n) {
    const int c = static_cast<int>(i / inner % channels);
    dx[i] = norm::StandardizeGrad(dy[i], x_hat[i], mean_dy[c], mean_dy_x_hat[c], inv_std[c]);
  }
}

}  // namespace

void BatchNormLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long n = bottom[0]->count();
  if (use_global_stats_) {
    GlobalStatsKernel<<<gpu::Blocks(channels_), gpu::kThreads>>>(
        channels_, eps_, blobs_[0]->gpu_data(), blobs_[1]->gpu_data(), blobs_[2]->gpu_data(),
        mean_.mutable_gpu_data(), inv_std_.mutable_gpu_data());
  } else {
    const double unbiased = norm::UnbiasedVarianceFactor(static_cast<double>(num_) * inner_);
    BatchStatsKernel<<<channels_, gpu::kThreads>>>(
        num_, channels_, inner_, eps_, moving_average_fraction_, unbiased, bottom[0]->gpu_data(),
        mean_.mutable_gpu_data(), inv_std_.mutable_gpu_data(), blobs_[0]->mutable_gpu_data(),
        blobs_[1]->mutable_gpu_data(), blobs_[2]->mutable_gpu_data());
  }
  CNN_KERNEL_CHECK();
  if (n == 0) return;
  NormalizeKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, channels_, inner_, bottom[0]->gpu_data(), mean_.gpu_data(),
                                                     inv_std_.gpu_data(),
                                                     use_global_stats_ ? nullptr : x_hat_.mutable_gpu_data(),
                                                     top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void BatchNormLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const long long n = bottom[0]->count();
  if (n == 0) return;
  if (use_global_stats_) {
    AffineBackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, channels_, inner_, top[0]->gpu_diff(),
                                                            inv_std_.gpu_data(), bottom[0]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
    return;
  }
  GradStatsKernel<<<channels_, gpu::kThreads>>>(num_, channels_, inner_, top[0]->gpu_diff(), x_hat_.gpu_data(),
                                                mean_dy_.mutable_gpu_data(), mean_dy_x_hat_.mutable_gpu_data());
  CNN_KERNEL_CHECK();
  BatchBackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, channels_, inner_, top[0]->gpu_diff(), x_hat_.gpu_data(),
                                                         mean_dy_.gpu_data(), mean_dy_x_hat_.gpu_data(),
                                                         inv_std_.gpu_data(), bottom[0]->mutable_gpu_diff());
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
