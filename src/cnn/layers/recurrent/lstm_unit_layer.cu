#include "cnn/layers/recurrent/lstm_unit_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/recurrent/lstm_unit_formula.hpp"

namespace cnn {
namespace {

// One thread per (item, hidden unit), as the CPU loop's body.
__global__ void LstmUnitForwardKernel(long long n, int hidden, const float* __restrict__ c_prev,
                                      const float* __restrict__ x, const float* __restrict__ cont,
                                      float* __restrict__ acts, float* __restrict__ c, float* __restrict__ h) {
  CNN_KERNEL_LOOP(k, n) {
    const long long item = k / hidden;
    const int j = static_cast<int>(k % hidden);
    const long long gates = 4 * item * hidden;
    LstmUnitForwardAt(hidden, j, c_prev[k], x + gates, cont[item], acts + gates, c + k, h + k);
  }
}

__global__ void LstmUnitBackwardKernel(long long n, int hidden, const float* __restrict__ c_prev,
                                       const float* __restrict__ acts, const float* __restrict__ c,
                                       const float* __restrict__ cont, const float* __restrict__ dc,
                                       const float* __restrict__ dh, float* dc_prev, float* dx) {
  CNN_KERNEL_LOOP(k, n) {
    const long long item = k / hidden;
    const int j = static_cast<int>(k % hidden);
    const long long gates = 4 * item * hidden;
    const LstmUnitGrad d = LstmUnitBackwardAt(hidden, j, c_prev[k], acts + gates, c[k], cont[item], dc[k], dh[k]);
    if (dc_prev) dc_prev[k] = d.c_prev;
    if (dx) {
      dx[gates + j] = d.i;
      dx[gates + hidden + j] = d.f;
      dx[gates + 2 * hidden + j] = d.o;
      dx[gates + 3 * hidden + j] = d.g;
    }
  }
}

}  // namespace

void LSTMUnitLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long n = static_cast<long long>(num_) * hidden_;
  if (n == 0) return;
  LstmUnitForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(
      n, hidden_, bottom[0]->gpu_data(), bottom[1]->gpu_data(), bottom[2]->gpu_data(), acts_.mutable_gpu_data(),
      top[0]->mutable_gpu_data(), top[1]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void LSTMUnitLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  CheckNoContGradient(propagate_down);
  if (!propagate_down[0] && !propagate_down[1]) return;
  const long long n = static_cast<long long>(num_) * hidden_;
  if (n == 0) return;
  LstmUnitBackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(
      n, hidden_, bottom[0]->gpu_data(), acts_.gpu_data(), top[0]->gpu_data(), bottom[2]->gpu_data(),
      top[0]->gpu_diff(), top[1]->gpu_diff(), propagate_down[0] ? bottom[0]->mutable_gpu_diff() : nullptr,
      propagate_down[1] ? bottom[1]->mutable_gpu_diff() : nullptr);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
