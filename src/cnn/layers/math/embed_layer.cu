#include "cnn/layers/math/embed_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// Records the first bad index (the CPU names the same one); nothing is
// read or written through it.
__global__ void CheckIndicesKernel(int m, int input_dim, const float* __restrict__ idx, int* bad) {
  CNN_KERNEL_LOOP(i, m) {
    if (EmbedRow(idx[i], input_dim) < 0) atomicMin(bad, static_cast<int>(i));
  }
}

// y[m, d] = W[idx[m], d] (+ b[d]).
__global__ void EmbedForwardKernel(long long n, int num_output, int input_dim, const float* __restrict__ idx,
                                   const float* __restrict__ w, const float* __restrict__ b, float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) {
    const long long m = i / num_output;
    const int d = static_cast<int>(i % num_output);
    const int row = EmbedRow(idx[m], input_dim);
    const float v = row < 0 ? 0.f : w[static_cast<long long>(row) * num_output + d];
    y[i] = b ? v + b[d] : v;
  }
}

// dW[idx[m], d] += dy[m, d]: several m may name one row, hence atomicAdd.
__global__ void EmbedWeightGradKernel(long long n, int num_output, int input_dim, const float* __restrict__ idx,
                                      const float* __restrict__ dy, float* dw) {
  CNN_KERNEL_LOOP(i, n) {
    const long long m = i / num_output;
    const int d = static_cast<int>(i % num_output);
    const int row = EmbedRow(idx[m], input_dim);
    if (row >= 0) atomicAdd(dw + static_cast<long long>(row) * num_output + d, dy[i]);
  }
}

// db[d] += sum over m of dy[m, d], one thread per column, rows in order.
__global__ void EmbedBiasGradKernel(int rows, int cols, const float* __restrict__ dy, float* __restrict__ db) {
  CNN_KERNEL_LOOP(j, cols) {
    float acc = db[j];
    for (int i = 0; i < rows; ++i) acc += dy[static_cast<long long>(i) * cols + j];
    db[j] = acc;
  }
}

}  // namespace

void EmbedLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (count_ == 0) return;
  const float* idx = bottom[0]->gpu_data();
  CheckIndicesKernel<<<gpu::Blocks(count_), gpu::kThreads>>>(count_, input_dim_, idx, bad_index_.Arm());
  CNN_KERNEL_CHECK();
  const int bad = bad_index_.Read();
  if (bad >= 0) ThrowBadIndex(*bottom[0], bad);
  const long long n = static_cast<long long>(count_) * num_output_;
  EmbedForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, num_output_, input_dim_, idx, blobs_[0]->gpu_data(),
                                                        bias_term_ ? blobs_[1]->gpu_data() : nullptr,
                                                        top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void EmbedLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  CheckNoPropagateDown(propagate_down);
  if (count_ == 0) return;
  const float* dy = top[0]->gpu_diff();
  if (param_propagate_down(0)) {
    const float* idx = bottom[0]->gpu_data();
    CheckIndicesKernel<<<gpu::Blocks(count_), gpu::kThreads>>>(count_, input_dim_, idx, bad_index_.Arm());
    CNN_KERNEL_CHECK();
    const int bad = bad_index_.Read();
    if (bad >= 0) ThrowBadIndex(*bottom[0], bad);
    const long long n = static_cast<long long>(count_) * num_output_;
    EmbedWeightGradKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, num_output_, input_dim_, idx, dy,
                                                             blobs_[0]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
  if (bias_term_ && param_propagate_down(1)) {
    EmbedBiasGradKernel<<<gpu::Blocks(num_output_), gpu::kThreads>>>(count_, num_output_, dy,
                                                                     blobs_[1]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
