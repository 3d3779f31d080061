#ifdef CNN_WITH_CUDNN

#include "cnn/layers/norm/cudnn_batch_norm_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/gpu/device_context.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {
namespace {

// SPATIAL_PERSISTENT may be faster but cuDNN warns it can overflow on some
// inputs; the layer must give Caffe's numbers on every input.
constexpr cudnnBatchNormMode_t kMode = CUDNN_BATCHNORM_SPATIAL;

// use_global_stats: the statistics read back from the stored sums, as cuDNN
// takes them (mean and variance), plus the inverse standard deviation that
// BatchNormLayer's backward uses. The divisor is read on the device.
__global__ void StoredStatsKernel(int channels, float eps, const float* __restrict__ sum_mean,
                                  const float* __restrict__ sum_var, const float* __restrict__ total,
                                  float* __restrict__ mean, float* __restrict__ var, float* __restrict__ inv_std) {
  CNN_KERNEL_LOOP(c, channels) {
    const float scale = norm::StoredStatsScale(total[0]);
    mean[c] = sum_mean[c] * scale;
    var[c] = sum_var[c] * scale;
    inv_std[c] = norm::InvStd(var[c], eps);
  }
}

// Training: cuDNN's batch mean and inverse standard deviation folded into
// Caffe's sums, the variance stored unbiased as the CAFFE engine stores it.
__global__ void FoldBatchKernel(int channels, float eps, float fraction, double unbiased,
                                const float* __restrict__ mean, const float* __restrict__ inv_std,
                                float* __restrict__ sum_mean, float* __restrict__ sum_var, float* __restrict__ total) {
  CNN_KERNEL_LOOP(c, channels) {
    const double var = norm::VarianceFromInvStd(inv_std[c], eps);
    sum_mean[c] = norm::FoldIntoSum(mean[c], fraction, sum_mean[c]);
    sum_var[c] = norm::FoldIntoSum(static_cast<float>(unbiased * var), fraction, sum_var[c]);
    if (c == 0) total[0] = norm::FoldIntoSum(1.f, fraction, total[0]);
  }
}

}  // namespace

void CudnnBatchNormLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  BatchNormLayer::LayerSetUp(bottom, top);  // validates eps and the shape
  // Compared in double, as cuDNN compares the double it is given. eps = 0 is
  // left to our own kernels: older cuDNN versions refuse it, and the
  // division it leaves unguarded is defined there.
  eps_supported_ = eps_ > 0.f && static_cast<double>(eps_) >= CUDNN_BN_MIN_EPSILON;
  for (Blob* b : {&ones_, &zeros_, &variance_, &scratch_a_, &scratch_b_}) {
    b->Reshape(std::vector<int>{channels_});
    cpu_set(channels_, 0.f, b->mutable_cpu_data());  // host memory: no GPU call in CPU mode
  }
  cpu_set(channels_, 1.f, ones_.mutable_cpu_data());
}

bool CudnnBatchNormLayer::uses_cudnn(const Blob& bottom) const {
  const long long per_channel = static_cast<long long>(bottom.shape(0)) * bottom.count(2);
  return eps_supported_ && bottom.count() > 0 && (use_global_stats_ || per_channel > 1);
}

void CudnnBatchNormLayer::Prepare(const Blob& bottom) {
  if (bottom.shape() == shape_) return;
  // SPATIAL mode reduces over N and every spatial position, so any number of
  // spatial axes folds into one (the memory layout is the same).
  cudnn::SetTensor4d(x_desc_.get(), bottom.shape(0), bottom.shape(1), bottom.count(2), 1);
  CNN_CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(stats_desc_.get(), x_desc_.get(), kMode));
  shape_ = bottom.shape();
}

const float* CudnnBatchNormLayer::Input(const BlobVec& bottom, const BlobVec& top) {
  if (bottom[0] != top[0]) return bottom[0]->gpu_data();
  x_copy_.ReshapeLike(*bottom[0]);
  gpu_copy(bottom[0]->count(), bottom[0]->gpu_data(), x_copy_.mutable_gpu_data());
  return x_copy_.gpu_data();
}

void CudnnBatchNormLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_cudnn(*bottom[0])) {
    BatchNormLayer::Forward_gpu(bottom, top);
    return;
  }
  Prepare(*bottom[0]);
  const float* x = Input(bottom, top);
  float* y = top[0]->mutable_gpu_data();
  const double eps = static_cast<double>(eps_);
  if (use_global_stats_) {
    StoredStatsKernel<<<gpu::Blocks(channels_), gpu::kThreads>>>(
        channels_, eps_, blobs_[0]->gpu_data(), blobs_[1]->gpu_data(), blobs_[2]->gpu_data(),
        mean_.mutable_gpu_data(), variance_.mutable_gpu_data(), inv_std_.mutable_gpu_data());
    CNN_KERNEL_CHECK();
    CNN_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(
        gpu::Cudnn(), kMode, cudnn::One(), cudnn::Zero(), x_desc_.get(), x, x_desc_.get(), y, stats_desc_.get(),
        ones_.gpu_data(), zeros_.gpu_data(), mean_.gpu_data(), variance_.gpu_data(), eps));
    return;
  }
  // Factor 1: cuDNN's running averages (in scratch, never read) are just this
  // batch's, so their previous contents cannot matter.
  CNN_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(
      gpu::Cudnn(), kMode, cudnn::One(), cudnn::Zero(), x_desc_.get(), x, x_desc_.get(), y, stats_desc_.get(),
      ones_.gpu_data(), zeros_.gpu_data(), 1.0, scratch_a_.mutable_gpu_data(), scratch_b_.mutable_gpu_data(), eps,
      mean_.mutable_gpu_data(), inv_std_.mutable_gpu_data()));
  const double unbiased = norm::UnbiasedVarianceFactor(static_cast<double>(num_) * inner_);
  FoldBatchKernel<<<gpu::Blocks(channels_), gpu::kThreads>>>(
      channels_, eps_, moving_average_fraction_, unbiased, mean_.gpu_data(), inv_std_.gpu_data(),
      blobs_[0]->mutable_gpu_data(), blobs_[1]->mutable_gpu_data(), blobs_[2]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void CudnnBatchNormLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                       const BlobVec& bottom) {
  // With use_global_stats the backward is dy * inv_std, which the forward
  // above left where BatchNormLayer's backward reads it.
  if (!uses_cudnn(*bottom[0]) || use_global_stats_) {
    BatchNormLayer::Backward_gpu(top, propagate_down, bottom);
    return;
  }
  if (!propagate_down[0]) return;
  Prepare(*bottom[0]);
  const bool in_place = bottom[0] == top[0];
  const float* x = in_place ? x_copy_.gpu_data() : bottom[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  if (in_place) {
    dy_copy_.ReshapeLike(*top[0]);
    gpu_copy(top[0]->count(), dy, dy_copy_.mutable_gpu_data());
    dy = dy_copy_.gpu_data();
  }
  // beta = 0 for both: the bottom diff is overwritten, and the scale and bias
  // gradients (of cuDNN's identity affine part) land in scratch.
  CNN_CUDNN_CHECK(cudnnBatchNormalizationBackward(
      gpu::Cudnn(), kMode, cudnn::One(), cudnn::Zero(), cudnn::One(), cudnn::Zero(), x_desc_.get(), x, x_desc_.get(),
      dy, x_desc_.get(), bottom[0]->mutable_gpu_diff(), stats_desc_.get(), ones_.gpu_data(),
      scratch_a_.mutable_gpu_data(), scratch_b_.mutable_gpu_data(), static_cast<double>(eps_), mean_.gpu_data(),
      inv_std_.gpu_data()));
}

CNN_REGISTER_LAYER_ENGINE(BatchNorm, CUDNN, CudnnBatchNormLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
