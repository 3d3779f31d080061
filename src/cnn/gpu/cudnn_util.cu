#ifdef CNN_WITH_CUDNN

#include "cnn/gpu/cudnn_util.hpp"

#include "cnn/gpu/device_context.hpp"

namespace cnn {
namespace cudnn {
namespace {

const float kOne = 1.f;
const float kZero = 0.f;

}  // namespace

const void* One() { return &kOne; }
const void* Zero() { return &kZero; }

void SetTensor4d(cudnnTensorDescriptor_t desc, int n, int c, int h, int w) {
  CNN_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
}

void SetFilter4d(cudnnFilterDescriptor_t desc, int k, int c, int h, int w) {
  CNN_CUDNN_CHECK(cudnnSetFilter4dDescriptor(desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, h, w));
}

std::vector<int> Shape4d(const Blob& blob) {
  std::vector<int> dims(blob.shape().begin(), blob.shape().end());
  if (dims.size() > 4) {
    int tail = 1;
    for (size_t i = 3; i < dims.size(); ++i) tail *= dims[i];
    dims.resize(4);
    dims[3] = tail;
  }
  dims.resize(4, 1);
  return dims;
}

void Activation::Prepare(const Blob& blob) {
  if (!act_set_) {
    // The coefficient is the ceiling of clipped ReLU and unused by the modes
    // here. NaN propagates, as in the CPU code.
    CNN_CUDNN_CHECK(cudnnSetActivationDescriptor(act_.get(), mode_, CUDNN_PROPAGATE_NAN, 0.0));
    act_set_ = true;
  }
  const std::vector<int> dims = Shape4d(blob);
  if (dims != shape_) {
    SetTensor4d(desc_.get(), dims[0], dims[1], dims[2], dims[3]);
    shape_ = dims;
  }
}

void Activation::Forward(const Blob& bottom, Blob* top) {
  if (bottom.count() == 0) return;  // cuDNN rejects empty tensors
  Prepare(bottom);
  const float* x = bottom.gpu_data();
  float* y = top->mutable_gpu_data();
  CNN_CUDNN_CHECK(cudnnActivationForward(gpu::Cudnn(), act_.get(), One(), desc_.get(), x, Zero(), desc_.get(), y));
}

void Activation::Backward(const Blob& top, Blob* bottom) {
  if (top.count() == 0) return;
  Prepare(top);
  const float* y = top.gpu_data();
  const float* dy = top.gpu_diff();
  const float* x = bottom->gpu_data();
  float* dx = bottom->mutable_gpu_diff();
  // beta = 0: a bottom diff is overwritten, never accumulated into.
  CNN_CUDNN_CHECK(cudnnActivationBackward(gpu::Cudnn(), act_.get(), One(), desc_.get(), y, desc_.get(), dy, desc_.get(),
                                          x, Zero(), desc_.get(), dx));
}

}  // namespace cudnn
}  // namespace cnn

#endif  // CNN_WITH_CUDNN
