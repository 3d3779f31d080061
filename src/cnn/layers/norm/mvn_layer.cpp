#include "cnn/layers/norm/mvn_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {

void MVNLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const MVNParameter& p = layer_param_.mvn_param();
  normalize_variance_ = p.normalize_variance();
  across_channels_ = p.across_channels();
  eps_ = p.eps();
}

void MVNLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  CNN_CHECK(in.num_axes() >= 1, where() << "needs an input with at least one axis (N x ...), got a scalar");
  const int first = across_channels_ || in.num_axes() == 1 ? 1 : 2;
  groups_ = in.count(0, first);
  dim_ = in.count(first);
  top[0]->ReshapeLike(in);
  y_.ReshapeLike(in);
  for (Blob* b : {&mean_, &divisor_}) b->Reshape(std::vector<int>{groups_});
}

void MVNLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  float* y_copy = y_.mutable_cpu_data();
  float* mean = mean_.mutable_cpu_data();
  float* divisor = divisor_.mutable_cpu_data();
  for (int g = 0; g < groups_; ++g) {
    const int64_t base = static_cast<int64_t>(g) * dim_;
    double s = 0;
    for (int i = 0; i < dim_; ++i) s += x[base + i];
    const float m = dim_ > 0 ? static_cast<float>(s / dim_) : 0.f;
    float d = 1.f;
    if (normalize_variance_) {
      double ss = 0;
      for (int i = 0; i < dim_; ++i) {
        const double c = static_cast<double>(x[base + i]) - m;
        ss += c * c;
      }
      d = norm::MvnDivisor(dim_ > 0 ? ss / dim_ : 0.0, eps_);
    }
    mean[g] = m;
    divisor[g] = d;
    for (int i = 0; i < dim_; ++i) {
      const float v = (x[base + i] - m) / d;
      y_copy[base + i] = v;
      y[base + i] = v;
    }
  }
}

void MVNLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->cpu_diff();
  const float* y = y_.cpu_data();
  const float* divisor = divisor_.cpu_data();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int g = 0; g < groups_; ++g) {
    const int64_t base = static_cast<int64_t>(g) * dim_;
    double s = 0, sy = 0;
    for (int i = 0; i < dim_; ++i) {
      s += dy[base + i];
      if (normalize_variance_) sy += static_cast<double>(dy[base + i]) * y[base + i];
    }
    const float mean_dy = dim_ > 0 ? static_cast<float>(s / dim_) : 0.f;
    const float mean_dy_y = dim_ > 0 ? static_cast<float>(sy / dim_) : 0.f;
    for (int i = 0; i < dim_; ++i)
      dx[base + i] = norm::MvnGrad(dy[base + i], y[base + i], mean_dy, mean_dy_y, divisor[g]);
  }
}

CNN_REGISTER_LAYER(MVN, MVNLayer);

}  // namespace cnn
