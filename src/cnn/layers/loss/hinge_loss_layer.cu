#include "cnn/layers/loss/hinge_loss_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/gpu_reduce.cuh"

// One thread per score; an item is counted (and its label checked) by the
// thread of its first class.
namespace cnn {
namespace {

__global__ void LossPartials(long long n, int dim, const float* x, const float* labels, LossNormalization norm,
                             bool l2, double* loss_out, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double loss = 0.0, valid = 0.0;
  CNN_KERNEL_LOOP(e, n) {
    const long long i = e / dim;
    const int k = static_cast<int>(e % dim);
    const int label = static_cast<int>(labels[i]);
    if (norm.Ignores(label)) continue;
    if (label < 0 || label >= dim) {
      if (k == 0) atomicMin(bad, static_cast<int>(i));
      continue;
    }
    loss += HingeTerm(x[e], k == label, l2);
    if (k == 0) valid += 1.0;
  }
  loss = gpu_reduce::BlockSum(loss, shared);
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) {
    loss_out[blockIdx.x] = loss;
    valid_out[blockIdx.x] = valid;
  }
}

__global__ void GradientPartials(long long n, int dim, const float* x, const float* labels, LossNormalization norm,
                                 bool l2, float* dx, double* valid_out, int* bad) {
  __shared__ double shared[gpu::kThreads];
  double valid = 0.0;
  CNN_KERNEL_LOOP(e, n) {
    const long long i = e / dim;
    const int k = static_cast<int>(e % dim);
    const int label = static_cast<int>(labels[i]);
    if (norm.Ignores(label)) {
      dx[e] = 0.f;
      continue;
    }
    if (label < 0 || label >= dim) {
      if (k == 0) atomicMin(bad, static_cast<int>(i));
      continue;
    }
    dx[e] = HingeTermGradient(x[e], k == label, l2);
    if (k == 0) valid += 1.0;
  }
  valid = gpu_reduce::BlockSum(valid, shared);
  if (threadIdx.x == 0) valid_out[blockIdx.x] = valid;
}

}  // namespace

void HingeLossLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long n = bottom[0]->count();
  const int blocks = LossScratchGpu::Blocks(n);
  LossPartials<<<blocks, gpu::kThreads>>>(n, dim_, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_, l2_,
                                          scratch_->loss_partials(), scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->FinishLoss(blocks, norm_, num_, num_, 1.0, top[0]->mutable_gpu_data());
  const int item = bad_label_.Read();
  if (item >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[item]), item);
}

void HingeLossLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  if (!scratch_) scratch_ = std::make_unique<LossScratchGpu>();
  const long long n = bottom[0]->count();
  const int blocks = LossScratchGpu::Blocks(n);
  float* dx = bottom[0]->mutable_gpu_diff();
  GradientPartials<<<blocks, gpu::kThreads>>>(n, dim_, bottom[0]->gpu_data(), bottom[1]->gpu_data(), norm_, l2_, dx,
                                              scratch_->valid_partials(), bad_label_.Arm());
  CNN_KERNEL_CHECK();
  scratch_->ScaleByLossWeight(blocks, norm_, num_, num_, 1.0, top[0]->gpu_diff(), n, dx);
  const int item = bad_label_.Read();
  if (item >= 0) ThrowBadLabel(static_cast<int>(bottom[1]->cpu_data()[item]), item);
}

}  // namespace cnn
