#include "cnn/layers/math/inner_product_layer.hpp"

#include <cstdint>

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// y (rows x cols) += b, b broadcast over the rows.
__global__ void AddBiasKernel(long long n, int cols, const float* __restrict__ b, float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) y[i] += b[i % cols];
}

// db[j] += the sum over rows of dy[:, j]: one thread per column, adding the
// rows in order as the CPU's axpy loop does; neighbouring threads read
// neighbouring floats of each row.
__global__ void BiasGradKernel(int rows, int cols, const float* __restrict__ dy, float* __restrict__ db) {
  CNN_KERNEL_LOOP(j, cols) {
    float acc = db[j];
    for (int i = 0; i < rows; ++i) acc += dy[static_cast<long long>(i) * cols + j];
    db[j] = acc;
  }
}

}  // namespace

void InnerProductLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (batch_ == 0) return;
  float* y = top[0]->mutable_gpu_data();
  // The CPU's products with the same operands (see Forward_cpu).
  gpu_gemm(false, !transpose_, batch_, num_output_, input_size_, 1.f, bottom[0]->gpu_data(),
           blobs_[0]->gpu_data(), 0.f, y);
  if (bias_term_) {
    const long long n = static_cast<long long>(batch_) * num_output_;
    AddBiasKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, num_output_, blobs_[1]->gpu_data(), y);
    CNN_KERNEL_CHECK();
  }
}

void InnerProductLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  if (batch_ == 0) return;
  const float* dy = top[0]->gpu_diff();
  if (param_propagate_down(0)) {
    const float* x = bottom[0]->gpu_data();
    float* dw = blobs_[0]->mutable_gpu_diff();
    if (transpose_) {
      gpu_gemm(true, false, input_size_, num_output_, batch_, 1.f, x, dy, 1.f, dw);  // x^T dy
    } else {
      gpu_gemm(true, false, num_output_, input_size_, batch_, 1.f, dy, x, 1.f, dw);  // dy^T x
    }
  }
  if (bias_term_ && param_propagate_down(1)) {
    BiasGradKernel<<<gpu::Blocks(num_output_), gpu::kThreads>>>(batch_, num_output_, dy,
                                                                blobs_[1]->mutable_gpu_diff());
    CNN_KERNEL_CHECK();
  }
  if (propagate_down[0]) {
    gpu_gemm(false, transpose_, batch_, input_size_, num_output_, 1.f, dy, blobs_[0]->gpu_data(), 0.f,
             bottom[0]->mutable_gpu_diff());
  }
}

}  // namespace cnn
