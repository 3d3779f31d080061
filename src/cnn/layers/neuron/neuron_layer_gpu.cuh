// The GPU half of NeuronLayer<Op>: one grid-stride kernel per direction,
// templated on the layer's functor. Include from a layer's .cu only, then
// instantiate: CNN_INSTANTIATE_NEURON_GPU(FooOp);
#pragma once

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {
namespace neuron_gpu {

template <class Op>
__global__ void ForwardKernel(long long n, Op op, const float* x, float* y) {
  CNN_KERNEL_LOOP(i, n) y[i] = op.Forward(x[i]);
}

template <class Op>
__global__ void BackwardKernel(long long n, Op op, const float* x, const float* y, const float* dy,
                               float* dx) {
  CNN_KERNEL_LOOP(i, n) dx[i] = op.Backward(x[i], y[i], dy[i]);
}

}  // namespace neuron_gpu

template <class Op>
void NeuronLayer<Op>::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = bottom[0]->gpu_data();
  if (kKeepInput && top[0] == bottom[0]) gpu_copy(n, x, input_copy_.mutable_gpu_data());
  float* y = top[0]->mutable_gpu_data();
  neuron_gpu::ForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, op_, x, y);
  CNN_KERNEL_CHECK();
}

template <class Op>
void NeuronLayer<Op>::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                   const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  if (n == 0) return;
  const float* x = kKeepInput && top[0] == bottom[0] ? input_copy_.gpu_data() : bottom[0]->gpu_data();
  const float* y = top[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  neuron_gpu::BackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, op_, x, y, dy, dx);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn

// Emits NeuronLayer<Op>'s GPU passes in the layer's .cu (the vtable built in
// the .cpp refers to them).
#define CNN_INSTANTIATE_NEURON_GPU(Op)                                                          \
  template void ::cnn::NeuronLayer<Op>::Forward_gpu(const ::cnn::BlobVec&, const ::cnn::BlobVec&); \
  template void ::cnn::NeuronLayer<Op>::Backward_gpu(const ::cnn::BlobVec&, const std::vector<bool>&, \
                                                     const ::cnn::BlobVec&)
