#include "cnn/layers/math/eltwise_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/math/eltwise_passes.hpp"

namespace cnn {
namespace {

__global__ void MaxFirstTwoKernel(long long n, const float* a, const float* b, float* y, int* idx) {
  CNN_KERNEL_LOOP(k, n) eltwise::MaxFirstTwo(a[k], b[k], &y[k], &idx[k]);
}

__global__ void MaxFoldKernel(long long n, const float* x, int which, float* y, int* idx) {
  CNN_KERNEL_LOOP(k, n) eltwise::MaxFold(x[k], which, &y[k], &idx[k]);
}

__global__ void MaxBackwardKernel(long long n, const int* idx, int which, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(k, n) dx[k] = eltwise::MaxBottomDiff(idx[k], which, dy[k]);
}

__global__ void ScaleKernel(long long n, float c, const float* x, float* y) {
  CNN_KERNEL_LOOP(k, n) y[k] = c * x[k];
}

// eltwise_passes.hpp's array math on device memory.
struct GpuMath {
  static const float* Data(const Blob& b) { return b.gpu_data(); }
  static const float* Diff(const Blob& b) { return b.gpu_diff(); }
  static void Mul(int n, const float* a, const float* b, float* y) { gpu_mul(n, a, b, y); }
  static void Div(int n, const float* a, const float* b, float* y) { gpu_div(n, a, b, y); }
  static void Copy(int n, const float* x, float* y) { gpu_copy(n, x, y); }
  static void Set(int n, float v, float* y) { gpu_set(n, v, y); }
  static void Axpy(int n, float alpha, const float* x, float* y) { gpu_axpy(n, alpha, x, y); }
  static void Scale(int n, float c, const float* x, float* y) {
    ScaleKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, c, x, y);
    CNN_KERNEL_CHECK();
  }
};

}  // namespace

void EltwiseLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = top[0]->count();
  if (n == 0) return;
  float* y = top[0]->mutable_gpu_data();
  if (op_ != EltwiseParameter::MAX) {
    eltwise::ArithmeticForward<GpuMath>(op_, coeffs_, bottom, n, y);
    return;
  }
  int* idx = static_cast<int*>(max_idx_->mutable_gpu_data());
  MaxFirstTwoKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), y, idx);
  CNN_KERNEL_CHECK();
  for (size_t i = 2; i < bottom.size(); ++i) {
    MaxFoldKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, bottom[i]->gpu_data(), static_cast<int>(i), y, idx);
    CNN_KERNEL_CHECK();
  }
}

void EltwiseLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  const int n = top[0]->count();
  if (n == 0) return;
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    float* dx = bottom[i]->mutable_gpu_diff();
    if (op_ != EltwiseParameter::MAX) {
      eltwise::ArithmeticBackward<GpuMath>(op_, coeffs_[i], stable_prod_grad_, bottom, *top[0], i, n, dx);
      continue;
    }
    const int* idx = static_cast<const int*>(max_idx_->gpu_data());
    MaxBackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, idx, static_cast<int>(i), top[0]->gpu_diff(), dx);
    CNN_KERNEL_CHECK();
  }
}

}  // namespace cnn
