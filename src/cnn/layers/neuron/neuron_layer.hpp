// The base of the element-wise layers: one bottom, one top of the same shape,
// top[i] a function of bottom[i] alone, so any of them may run in place.
//
// An activation is an Op functor with two CNN_HD members,
//   float Forward(float x) const;                       // y from x
//   float Backward(float x, float y, float dy) const;   // dx from x, y and dy
// and a layer `class FooLayer : public NeuronLayer<FooOp>`. The CPU loop below
// and the CUDA kernel of neuron_layer_gpu.cuh both call the same functor, so
// the formula is written once. Run in place, x is already overwritten by y:
// a Backward that reads x must be right for x == y (ReLU's is, for the signs
// it looks at), or the Op declares
//   static constexpr bool kBackwardReadsInput = true;
// and the base keeps a copy of the input when run in place (Caffe's PReLU
// does the same; its Clip, AbsVal, Power, Log and BNLL do not, and give wrong
// gradients in place). Otherwise read only y. An unused argument costs
// nothing, the compiler drops its load. Parameters the formula needs are the
// Op's fields, set in the layer's LayerSetUp.
#pragma once

#include <type_traits>
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"

namespace cnn {

// Op::kBackwardReadsInput where declared, false otherwise.
template <class Op, class = void>
struct BackwardReadsInput : std::false_type {};
template <class Op>
struct BackwardReadsInput<Op, std::void_t<decltype(Op::kBackwardReadsInput)>>
    : std::bool_constant<Op::kBackwardReadsInput> {};

template <class Op>
class NeuronLayer : public Layer {
 public:
  explicit NeuronLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override {
    if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
    if (kKeepInput && top[0] == bottom[0]) input_copy_.ReshapeLike(*bottom[0]);
  }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  static constexpr bool kKeepInput = BackwardReadsInput<Op>::value;

  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {
    const int n = bottom[0]->count();
    const float* x = bottom[0]->cpu_data();
    if (kKeepInput && top[0] == bottom[0]) cpu_copy(n, x, input_copy_.mutable_cpu_data());
    float* y = top[0]->mutable_cpu_data();
    const Op op = op_;
    // Memory-bound: one thread cannot draw the bandwidth both cores have
    // (ResNet-50's activations are tens of MB each).
#ifdef _OPENMP  // not in the .cu files, whose host compiler runs without OpenMP
#pragma omp parallel for simd schedule(static) firstprivate(op) if (ParallelLoopPays(n))
#endif
    for (int i = 0; i < n; ++i) y[i] = op.Forward(x[i]);
  }

  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {
    if (!propagate_down[0]) return;
    const int n = bottom[0]->count();
    const float* x = kKeepInput && top[0] == bottom[0] ? input_copy_.cpu_data() : bottom[0]->cpu_data();
    const float* y = top[0]->cpu_data();
    const float* dy = top[0]->cpu_diff();
    float* dx = bottom[0]->mutable_cpu_diff();
    const Op op = op_;
#ifdef _OPENMP  // not in the .cu files, whose host compiler runs without OpenMP
#pragma omp parallel for simd schedule(static) firstprivate(op) if (ParallelLoopPays(n))
#endif
    for (int i = 0; i < n; ++i) dx[i] = op.Backward(x[i], y[i], dy[i]);
  }

#ifdef CNN_WITH_CUDA
  // Defined in neuron_layer_gpu.cuh; the layer's .cu instantiates them with
  // CNN_INSTANTIATE_NEURON_GPU(Op).
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

  Op op_{};
  Blob input_copy_;  // the input of an in-place Forward, for an Op whose Backward reads x
};

}  // namespace cnn
