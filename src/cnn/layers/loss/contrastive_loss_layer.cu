#include "cnn/layers/loss/contrastive_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// Forward: one thread per pair (a C-long loop, as the CPU's, so the squared
// distances are the same floats). Backward: one thread per element.
namespace cnn {
namespace {

__global__ void PairPartials(int num, int channels, const float* a, const float* b, const float* labels,
                             LossNormalization norm, float margin, bool legacy, float* diff, float* dist_sq,
                             double* loss_out, double* valid_out) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(i, num) {
    float sq = 0.f;
    for (int c = 0; c < channels; ++c) {
      const long long k = i * channels + c;
      const float d = a[k] - b[k];
      diff[k] = d;
      sq += d * d;
    }
    dist_sq[i] = sq;
    const int label = static_cast<int>(labels[i]);
    if (norm.Ignores(label)) continue;
    loss += ContrastivePairLoss(sq, label != 0, margin, legacy);
    valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

__global__ void CountValid(int num, const float* labels, LossNormalization norm, double* valid_out) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(i, num) {
    if (!norm.Ignores(static_cast<int>(labels[i]))) valid += 1.0;
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

// Unscaled: g * (a - b); the sign and loss_weight / divisor come after.
__global__ void Gradient(long long n, int channels, const float* labels, const float* diff, const float* dist_sq,
                         LossNormalization norm, float margin, bool legacy, float* dx) {
  CNN_KERNEL_LOOP(k, n) {
    const long long i = k / channels;
    const int label = static_cast<int>(labels[i]);
    const float g = norm.Ignores(label) ? 0.f : ContrastivePairGradient(dist_sq[i], label != 0, margin, legacy);
    dx[k] = g * diff[k];
  }
}

}  // namespace

void ContrastiveLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const int blocks = LossScratchGpu::Blocks(num_);
  PairPartials<<<blocks, gpu::kThreads>>>(num_, channels_, bottom[0]->gpu_data(), bottom[1]->gpu_data(),
                                          bottom[2]->gpu_data(), norm_, margin_, legacy_, diff_.mutable_gpu_data(),
                                          dist_sq_.mutable_gpu_data(), scratch_->loss_partials(),
                                          scratch_->valid_partials());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, num_, num_, 0.5, top[0]->mutable_gpu_data());
}

void ContrastiveLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  CNN_CHECK(propagate_down.size() < 3 || !propagate_down[2],
            where() << "cannot backpropagate to the similarity labels (bottom 2)");
  if (!propagate_down[0] && !propagate_down[1]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const int blocks = LossScratchGpu::Blocks(num_);
  CountValid<<<blocks, gpu::kThreads>>>(num_, bottom[2]->gpu_data(), norm_, scratch_->valid_partials());
  CNN_KERNEL_CHECK();
  const long long n = diff_.count();
  for (int side = 0; side < 2; ++side) {
    if (!propagate_down[side]) continue;
    float* dx = bottom[side]->mutable_gpu_diff();
    Gradient<<<gpu::Blocks(static_cast<size_t>(n)), gpu::kThreads>>>(n, channels_, bottom[2]->gpu_data(),
                                                                      diff_.gpu_data(), dist_sq_.gpu_data(), norm_,
                                                                      margin_, legacy_, dx);
    CNN_KERNEL_CHECK();
    scratch_->ScaleByLossWeight(blocks, norm_, num_, num_, side == 0 ? 1.0 : -1.0, top[0]->gpu_diff(), n, dx);
  }
}

}  // namespace cnn
