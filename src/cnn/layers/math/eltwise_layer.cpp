#include "cnn/layers/math/eltwise_layer.hpp"

#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/layers/math/eltwise_passes.hpp"

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

namespace {

// eltwise_passes.hpp's array math on host memory.
struct CpuMath {
  static const float* Data(const Blob& b) { return b.cpu_data(); }
  static const float* Diff(const Blob& b) { return b.cpu_diff(); }
  static void Mul(int n, const float* a, const float* b, float* y) { cpu_mul(n, a, b, y); }
  static void Div(int n, const float* a, const float* b, float* y) { cpu_div(n, a, b, y); }
  static void Copy(int n, const float* x, float* y) { cpu_copy(n, x, y); }
  static void Set(int n, float v, float* y) { cpu_set(n, v, y); }
  static void Axpy(int n, float alpha, const float* x, float* y) { cpu_axpy(n, alpha, x, y); }
  static void Scale(int n, float c, const float* x, float* y) {
    for (int k = 0; k < n; ++k) y[k] = c * x[k];
  }
};

}  // namespace

void EltwiseLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = top[0]->count();
  if (n == 0) return;
  float* y = top[0]->mutable_cpu_data();
  if (op_ != EltwiseParameter::MAX) {
    eltwise::ArithmeticForward<CpuMath>(op_, coeffs_, bottom, n, y);
    return;
  }
  const float* a = bottom[0]->cpu_data();
  const float* b = bottom[1]->cpu_data();
  int* idx = static_cast<int*>(max_idx_->mutable_cpu_data());
  for (int k = 0; k < n; ++k) eltwise::MaxFirstTwo(a[k], b[k], &y[k], &idx[k]);
  for (size_t i = 2; i < bottom.size(); ++i) {
    const float* x = bottom[i]->cpu_data();
    for (int k = 0; k < n; ++k) eltwise::MaxFold(x[k], static_cast<int>(i), &y[k], &idx[k]);
  }
}

void EltwiseLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  const int n = top[0]->count();
  if (n == 0) return;
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    float* dx = bottom[i]->mutable_cpu_diff();
    if (op_ != EltwiseParameter::MAX) {
      eltwise::ArithmeticBackward<CpuMath>(op_, coeffs_[i], stable_prod_grad_, bottom, *top[0], i, n, dx);
      continue;
    }
    const float* dy = top[0]->cpu_diff();
    const int* idx = static_cast<const int*>(max_idx_->cpu_data());
    for (int k = 0; k < n; ++k) dx[k] = eltwise::MaxBottomDiff(idx[k], static_cast<int>(i), dy[k]);
  }
}

CNN_REGISTER_LAYER(Eltwise, EltwiseLayer);

}  // namespace cnn
