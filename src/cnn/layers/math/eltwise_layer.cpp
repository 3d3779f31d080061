#include "cnn/layers/math/eltwise_layer.hpp"

#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void EltwiseLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const EltwiseParameter& p = layer_param_.eltwise_param();
  CNN_CHECK(p.coeff_size() == 0 || p.coeff_size() == static_cast<int>(bottom.size()),
            where() << "give one coeff per bottom (" << bottom.size() << "), got " << p.coeff_size());
  CNN_CHECK(p.operation() != EltwiseParameter::PROD || p.coeff_size() == 0,
            where() << "coeff is only meaningful for operation SUM, not PROD");
  op_ = p.operation();
  coeffs_.assign(bottom.size(), 1.f);
  for (int i = 0; i < p.coeff_size(); ++i) coeffs_[i] = p.coeff(i);
  stable_prod_grad_ = p.stable_prod_grad();
}

void EltwiseLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  for (size_t i = 1; i < bottom.size(); ++i) {
    CNN_CHECK(bottom[i]->shape() == bottom[0]->shape(),
              where() << "bottom " << i << " has shape " << bottom[i]->shape_string() << " but bottom 0 has "
                      << bottom[0]->shape_string() << "; all bottoms must have the same shape");
  }
  top[0]->ReshapeLike(*bottom[0]);
  if (op_ == EltwiseParameter::MAX) {
    // Grown, never shrunk; Reshape runs before the forward that rewrites it.
    const size_t bytes = sizeof(int) * static_cast<size_t>(bottom[0]->count());
    if (!max_idx_ || max_idx_->size() < bytes) max_idx_ = std::make_unique<SyncedMemory>(bytes);
  }
}

void EltwiseLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = top[0]->count();
  if (n == 0) return;
  float* y = top[0]->mutable_cpu_data();
  switch (op_) {
    case EltwiseParameter::PROD:
      cpu_mul(n, bottom[0]->cpu_data(), bottom[1]->cpu_data(), y);
      for (size_t i = 2; i < bottom.size(); ++i) cpu_mul(n, y, bottom[i]->cpu_data(), y);
      break;
    case EltwiseParameter::SUM:
      cpu_set(n, 0.f, y);
      for (size_t i = 0; i < bottom.size(); ++i) cpu_axpy(n, coeffs_[i], bottom[i]->cpu_data(), y);
      break;
    case EltwiseParameter::MAX: {
      // Caffe's tie rule: between the first two bottoms the second wins a
      // tie; later bottoms must be strictly larger to take over.
      const float* a = bottom[0]->cpu_data();
      const float* b = bottom[1]->cpu_data();
      int* idx = static_cast<int*>(max_idx_->mutable_cpu_data());
      for (int k = 0; k < n; ++k) {
        const bool first = a[k] > b[k];
        y[k] = first ? a[k] : b[k];
        idx[k] = first ? 0 : 1;
      }
      for (size_t i = 2; i < bottom.size(); ++i) {
        const float* x = bottom[i]->cpu_data();
        for (int k = 0; k < n; ++k) {
          if (x[k] > y[k]) {
            y[k] = x[k];
            idx[k] = static_cast<int>(i);
          }
        }
      }
      break;
    }
  }
}

void EltwiseLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  const int n = top[0]->count();
  if (n == 0) return;
  const float* top_diff = top[0]->cpu_diff();
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    float* dx = bottom[i]->mutable_cpu_diff();
    switch (op_) {
      case EltwiseParameter::PROD:
        if (stable_prod_grad_) {
          // The product of the other inputs, formed directly: exact even
          // where this input is zero.
          bool started = false;
          for (size_t j = 0; j < bottom.size(); ++j) {
            if (j == i) continue;
            if (!started) {
              cpu_copy(n, bottom[j]->cpu_data(), dx);
              started = true;
            } else {
              cpu_mul(n, dx, bottom[j]->cpu_data(), dx);
            }
          }
        } else {
          // Faster but undefined where this input is zero.
          cpu_div(n, top[0]->cpu_data(), bottom[i]->cpu_data(), dx);
        }
        cpu_mul(n, dx, top_diff, dx);
        break;
      case EltwiseParameter::SUM:
        if (coeffs_[i] == 1.f) {
          cpu_copy(n, top_diff, dx);
        } else {
          // Not axpby with beta 0: a stale NaN in dx would survive 0 * NaN.
          const float c = coeffs_[i];
          for (int k = 0; k < n; ++k) dx[k] = c * top_diff[k];
        }
        break;
      case EltwiseParameter::MAX: {
        const int me = static_cast<int>(i);
        const int* idx = static_cast<const int*>(max_idx_->cpu_data());
        for (int k = 0; k < n; ++k) dx[k] = idx[k] == me ? top_diff[k] : 0.f;
        break;
      }
    }
  }
}

CNN_REGISTER_LAYER(Eltwise, EltwiseLayer);

}  // namespace cnn
