#include "cnn/layers/math/argmax_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/math/argmax_index.hpp"

namespace cnn {
namespace {

// One thread per row picks its top_k by repeated selection: the j-th pick is
// the best element ranked after the (j-1)-th. The ranking is a total order,
// so this gives exactly the CPU's partial sort.
__global__ void ArgMaxRows(long long rows, int dim, long long stride, int top_k, bool has_axis, bool out_max_val,
                           const float* x, float* y) {
  CNN_KERNEL_LOOP(r, rows) {
    float prev_v = 0.f;
    int prev_i = -1;
    for (int j = 0; j < top_k; ++j) {
      float best_v = 0.f;
      int best_i = -1;
      for (int e = 0; e < dim; ++e) {
        const float v = x[ArgMaxBottomIndex(r, e, dim, stride)];
        if (prev_i >= 0 && !ArgMaxBefore(prev_v, prev_i, v, e)) continue;
        if (best_i < 0 || ArgMaxBefore(v, e, best_v, best_i)) {
          best_v = v;
          best_i = e;
        }
      }
      if (has_axis) {
        y[ArgMaxTopIndex(r, j, top_k, stride)] = out_max_val ? best_v : static_cast<float>(best_i);
      } else if (out_max_val) {
        y[2 * r * top_k + j] = static_cast<float>(best_i);
        y[2 * r * top_k + top_k + j] = best_v;
      } else {
        y[r * top_k + j] = static_cast<float>(best_i);
      }
      prev_v = best_v;
      prev_i = best_i;
    }
  }
}

}  // namespace

void ArgMaxLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (rows_ == 0) return;
  ArgMaxRows<<<gpu::Blocks(rows_), gpu::kThreads>>>(rows_, dim_, stride_, top_k_, has_axis_, out_max_val_,
                                                    bottom[0]->gpu_data(), top[0]->mutable_gpu_data());
  CNN_KERNEL_CHECK();
}

void ArgMaxLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                               const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[0], where() << "has no gradient; nothing may back-propagate through it");
}

}  // namespace cnn
