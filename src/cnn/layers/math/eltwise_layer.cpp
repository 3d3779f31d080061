#include "cnn/layers/math/eltwise_layer.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/core/simd_clones.hpp"
#include "cnn/layers/math/eltwise_passes.hpp"
#include "cnn/layers/neuron/relu_layer.hpp"

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

namespace {

// The fused passes' rows, compiled per ISA (simd_clones.hpp); a pass runs
// them chunk by chunk, so each chunk stays in cache between them.
constexpr int64_t kChunk = 4096;

CNN_SIMD_CLONES void AddScaled(int64_t n, float c, const float* x, float* acc) {
  for (int64_t i = 0; i < n; ++i) acc[i] += c * x[i];
}
CNN_SIMD_CLONES void ReluRow(int64_t n, float slope, float* v) {
  const ReLUOp relu{slope};
  for (int64_t i = 0; i < n; ++i) v[i] = relu.Forward(v[i]);
}
CNN_SIMD_CLONES void ReluGradRow(int64_t n, float slope, const float* y, float* g) {
  const ReLUOp relu{slope};
  for (int64_t i = 0; i < n; ++i) g[i] = relu.Backward(y[i], 0.f, g[i]);
}
CNN_SIMD_CLONES void ScaleRow(int64_t n, float c, const float* g, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = c * g[i];
}

}  // namespace

int EltwiseLayer::Fuse(const std::vector<FusionCandidate>& next, const FusionContext&) {
  relu_taken_ = op_ == EltwiseParameter::SUM && !next.empty() && next[0].in_place &&
                std::string(next[0].layer->type()) == "ReLU" &&
                next[0].layer->layer_param().relu_param().negative_slope() >= 0.f;
  if (relu_taken_) negative_slope_ = next[0].layer->layer_param().relu_param().negative_slope();
  return relu_taken_ ? 1 : 0;
}

void EltwiseLayer::FusedForward(const BlobVec& bottom, const BlobVec& top) {
  // Bottoms all in one private layout are summed in it; the top keeps it.
  std::shared_ptr<const PrivateLayout> layout = bottom[0]->data()->shared_prv_layout();
  for (size_t b = 1; layout && b < bottom.size(); ++b) {
    const PrivateLayout* other = bottom[b]->data()->prv_layout();
    if (!other || !layout->Same(*other)) layout.reset();
  }
  fused_layout_ = layout;
  std::vector<const float*> x;
  float* y;
  int64_t n;
  if (layout) {
    for (Blob* b : bottom) x.push_back(static_cast<const float*>(b->data()->prv_data(*layout)));
    y = static_cast<float*>(top[0]->data()->mutable_prv_data(layout));
    n = static_cast<int64_t>(layout->bytes() / sizeof(float));
  } else {
    for (Blob* b : bottom) x.push_back(b->cpu_data());
    y = top[0]->mutable_cpu_data();
    n = top[0]->count();
  }
  const std::vector<float>& c = coeffs_;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(n * static_cast<int64_t>(x.size())))
  for (int64_t k = 0; k < n; k += kChunk) {
    const int64_t len = std::min(kChunk, n - k);
    // The unfused SUM's expression: 0, then each bottom added in turn.
    std::fill(y + k, y + k + len, 0.f);
    for (size_t b = 0; b < x.size(); ++b) AddScaled(len, c[b], x[b] + k, y + k);
    ReluRow(len, negative_slope_, y + k);
  }
}

void EltwiseLayer::FusedBackward(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  SyncedMemory& data = *top[0]->data();
  SyncedMemory& diff = *top[0]->diff();
  const float* y;
  float* g;
  int64_t n;
  if (fused_layout_) {
    // The forward pass's layout leads; a gradient in another one follows it.
    y = static_cast<const float*>(data.prv_data(*fused_layout_));
    if (!y) y = static_cast<const float*>(data.prv_data_in(fused_layout_));
    if (!diff.prv_data(*fused_layout_)) diff.prv_data_in(fused_layout_);
    g = static_cast<float*>(diff.mutable_prv_data(fused_layout_));
    n = static_cast<int64_t>(fused_layout_->bytes() / sizeof(float));
  } else {
    y = top[0]->cpu_data();
    g = top[0]->mutable_cpu_diff();
    n = top[0]->count();
  }
  std::vector<float*> dx(bottom.size(), nullptr);
  for (size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    dx[b] = fused_layout_ ? static_cast<float*>(bottom[b]->diff()->mutable_prv_data(fused_layout_))
                          : bottom[b]->mutable_cpu_diff();
  }
  // The ReLU's gradient, in place in the top's diff as the ReLU leaves it,
  // then the SUM's: each bottom's is its coefficient times that (a copy
  // for 1, as the unfused layer writes it).
  const std::vector<float>& c = coeffs_;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(n * static_cast<int64_t>(dx.size())))
  for (int64_t k = 0; k < n; k += kChunk) {
    const int64_t len = std::min(kChunk, n - k);
    ReluGradRow(len, negative_slope_, y + k, g + k);
    for (size_t b = 0; b < dx.size(); ++b) {
      if (!dx[b]) continue;
      if (c[b] == 1.f) {
        std::copy(g + k, g + k + len, dx[b] + k);
      } else {
        ScaleRow(len, c[b], g + k, dx[b] + k);
      }
    }
  }
}

void EltwiseLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = top[0]->count();
  if (n == 0) return;
  if (fused_pass_) return FusedForward(bottom, top);
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
  if (fused_pass_) return FusedBackward(top, propagate_down, bottom);
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
