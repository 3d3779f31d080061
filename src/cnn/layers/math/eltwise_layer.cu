#include "cnn/layers/math/eltwise_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// MAX over the first two bottoms. The comparisons are the CPU's, so ties
// resolve the same way: the second bottom wins a tie with the first.
__global__ void MaxFirstTwo(long long n, const float* a, const float* b, float* y, int* idx) {
  CNN_KERNEL_LOOP(k, n) {
    const bool first = a[k] > b[k];
    y[k] = first ? a[k] : b[k];
    idx[k] = first ? 0 : 1;
  }
}

// Folds bottom `which` into the running max; it must be strictly larger to
// take over, as on the CPU.
__global__ void MaxFold(long long n, const float* x, int which, float* y, int* idx) {
  CNN_KERNEL_LOOP(k, n) {
    if (x[k] > y[k]) {
      y[k] = x[k];
      idx[k] = which;
    }
  }
}

__global__ void MaxBackward(long long n, const int* idx, int which, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(k, n) dx[k] = idx[k] == which ? dy[k] : 0.f;
}

// dx = c * dy written outright: an axpby with beta 0 would keep a stale NaN
// already in dx (0 * NaN), exactly what the CPU path avoids.
__global__ void Scale(long long n, float c, const float* dy, float* dx) {
  CNN_KERNEL_LOOP(k, n) dx[k] = c * dy[k];
}

}  // namespace

void EltwiseLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = top[0]->count();
  if (n == 0) return;
  float* y = top[0]->mutable_gpu_data();
  switch (op_) {
    case EltwiseParameter::PROD:
      gpu_mul(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), y);
      for (size_t i = 2; i < bottom.size(); ++i) gpu_mul(n, y, bottom[i]->gpu_data(), y);
      break;
    case EltwiseParameter::SUM:
      gpu_set(n, 0.f, y);
      for (size_t i = 0; i < bottom.size(); ++i) gpu_axpy(n, coeffs_[i], bottom[i]->gpu_data(), y);
      break;
    case EltwiseParameter::MAX: {
      int* idx = static_cast<int*>(max_idx_->mutable_gpu_data());
      MaxFirstTwo<<<gpu::Blocks(n), gpu::kThreads>>>(n, bottom[0]->gpu_data(), bottom[1]->gpu_data(), y, idx);
      CNN_KERNEL_CHECK();
      for (size_t i = 2; i < bottom.size(); ++i) {
        MaxFold<<<gpu::Blocks(n), gpu::kThreads>>>(n, bottom[i]->gpu_data(), static_cast<int>(i), y, idx);
        CNN_KERNEL_CHECK();
      }
      break;
    }
  }
}

void EltwiseLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  const int n = top[0]->count();
  if (n == 0) return;
  const float* top_diff = top[0]->gpu_diff();
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    float* dx = bottom[i]->mutable_gpu_diff();
    switch (op_) {
      case EltwiseParameter::PROD:
        if (stable_prod_grad_) {
          // The product of the other inputs, multiplied in the CPU's order
          // (so the two agree exactly); right even where this input is 0.
          bool started = false;
          for (size_t j = 0; j < bottom.size(); ++j) {
            if (j == i) continue;
            if (!started) {
              gpu_copy(n, bottom[j]->gpu_data(), dx);
              started = true;
            } else {
              gpu_mul(n, dx, bottom[j]->gpu_data(), dx);
            }
          }
        } else {
          // Undefined where this input is zero, as on the CPU.
          gpu_div(n, top[0]->gpu_data(), bottom[i]->gpu_data(), dx);
        }
        gpu_mul(n, dx, top_diff, dx);
        break;
      case EltwiseParameter::SUM:
        if (coeffs_[i] == 1.f) {
          gpu_copy(n, top_diff, dx);
        } else {
          Scale<<<gpu::Blocks(n), gpu::kThreads>>>(n, coeffs_[i], top_diff, dx);
          CNN_KERNEL_CHECK();
        }
        break;
      case EltwiseParameter::MAX: {
        const int* idx = static_cast<const int*>(max_idx_->gpu_data());
        MaxBackward<<<gpu::Blocks(n), gpu::kThreads>>>(n, idx, static_cast<int>(i), top_diff, dx);
        CNN_KERNEL_CHECK();
        break;
      }
    }
  }
}

}  // namespace cnn
