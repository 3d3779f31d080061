// Small pieces the cuDNN layers share: descriptors that are created on first
// use and destroyed with their owner, float tensor/filter layouts taken from
// Blob shapes, and an elementwise activation (ReLU, Sigmoid, TanH).
//
// Nothing here calls cuDNN before a layer's first GPU pass: constructing a
// descriptor object only stores a null handle, so a CPU run, or a CUDA build
// on a machine without a GPU, never loads cuDNN's sub-libraries.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <cudnn.h>

#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace cudnn {

// A cuDNN descriptor of type T, created by Create on the first get() and
// destroyed by Destroy in the destructor.
template <typename T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class Descriptor {
 public:
  Descriptor() = default;
  ~Descriptor() {
    // A destructor must not throw; a failed destroy only leaks a descriptor.
    if (desc_) Destroy(desc_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  T get() {
    if (!desc_) CNN_CUDNN_CHECK(Create(&desc_));
    return desc_;
  }

 private:
  T desc_ = nullptr;
};

using TensorDescriptor = Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor = Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor>;
using PoolingDescriptor =
    Descriptor<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor>;
using LRNDescriptor = Descriptor<cudnnLRNDescriptor_t, cudnnCreateLRNDescriptor, cudnnDestroyLRNDescriptor>;
using ActivationDescriptor =
    Descriptor<cudnnActivationDescriptor_t, cudnnCreateActivationDescriptor, cudnnDestroyActivationDescriptor>;

// Blending factors for cuDNN's "y = alpha * op(x) + beta * y" (host floats,
// as cuDNN expects for float tensors).
const void* One();
const void* Zero();

// A packed NCHW float tensor of n x c x h x w.
void SetTensor4d(cudnnTensorDescriptor_t desc, int n, int c, int h, int w);
// A packed NCHW float filter of k (outputs) x c (inputs per group) x h x w.
void SetFilter4d(cudnnFilterDescriptor_t desc, int k, int c, int h, int w);
// The blob's shape as four dimensions for elementwise operations: shorter
// shapes are padded with trailing 1s, longer ones fold their trailing axes
// into the last dimension (the memory layout is the same either way).
std::vector<int> Shape4d(const Blob& blob);

// An elementwise activation over a whole blob via cudnnActivationForward /
// Backward. Top and bottom may be the same blob (in place): cuDNN allows
// x == y and dy == dx with identical descriptors, which these always are.
class Activation {
 public:
  explicit Activation(cudnnActivationMode_t mode) : mode_(mode) {}

  void Forward(const Blob& bottom, Blob* top);
  // bottom's diff = f'(x) * top's diff. In place, bottom's data already holds
  // the outputs; that is still a valid x for the modes used here (ReLU's
  // y > 0 exactly where x > 0; Sigmoid's and TanH's derivatives are functions
  // of y, which is what cuDNN reads for them).
  void Backward(const Blob& top, Blob* bottom);

 private:
  // Sets the descriptors on first use and when the blob's shape changes.
  void Prepare(const Blob& blob);

  cudnnActivationMode_t mode_;
  ActivationDescriptor act_;
  TensorDescriptor desc_;
  bool act_set_ = false;
  std::vector<int> shape_;
};

}  // namespace cudnn
}  // namespace cnn

#endif  // CNN_WITH_CUDNN
