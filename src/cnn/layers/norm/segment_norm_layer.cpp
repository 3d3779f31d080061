#include "cnn/layers/norm/segment_norm_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/math.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {

void SegmentNormLayer::SetUpAffine(const Blob& bottom) {
  CNN_CHECK(eps_ >= 0.f, where() << "eps must not be negative, got " << eps_);
  if (!affine_) {
    CNN_CHECK(blobs_.empty(), where() << "given " << blobs_.size() << " blob(s), but affine is false: expected none");
    return;
  }
  const std::vector<int> shape = AffineShape(bottom);
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == 2, where() << "given " << blobs_.size() << " blob(s), expected 2 (gamma and beta)");
    for (int i = 0; i < 2; ++i)
      CNN_CHECK(blobs_[i]->shape() == shape, where() << (i == 0 ? "gamma" : "beta") << " has shape "
                                                     << blobs_[i]->shape_string() << ", input of shape "
                                                     << bottom.shape_string() << " needs "
                                                     << Blob(shape).shape_string());
  } else {
    for (float value : {1.f, 0.f}) {
      blobs_.push_back(std::make_shared<Blob>(shape));
      cpu_set(blobs_.back()->count(), value, blobs_.back()->mutable_cpu_data());
    }
  }
  param_propagate_down_.assign(blobs_.size(), true);
}

void SegmentNormLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  layout_ = ComputeLayout(*bottom[0]);
  if (affine_) {
    CNN_CHECK(blobs_[0]->shape() == AffineShape(*bottom[0]),
              where() << "input of shape " << bottom[0]->shape_string() << " does not fit gamma and beta of shape "
                      << blobs_[0]->shape_string());
  }
  top[0]->ReshapeLike(*bottom[0]);
  x_hat_.ReshapeLike(*bottom[0]);
  mean_.Reshape(std::vector<int>{layout_.num * layout_.groups});
  inv_std_.Reshape(std::vector<int>{layout_.num * layout_.groups});
}

void SegmentNormLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const Layout& l = layout_;
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  float* x_hat = x_hat_.mutable_cpu_data();
  float* mean = mean_.mutable_cpu_data();
  float* inv_std = inv_std_.mutable_cpu_data();
  const float* gamma = affine_ ? blobs_[0]->cpu_data() : nullptr;
  const float* beta = affine_ ? blobs_[1]->cpu_data() : nullptr;
  const int segments = l.num * l.groups;
  for (int s = 0; s < segments; ++s) {
    const int64_t base = static_cast<int64_t>(s) * l.group_len;
    double sum = 0;
    for (int i = 0; i < l.group_len; ++i) sum += x[base + i];
    const float m = l.group_len > 0 ? static_cast<float>(sum / l.group_len) : 0.f;
    double ss = 0;
    for (int i = 0; i < l.group_len; ++i) {
      const double d = static_cast<double>(x[base + i]) - m;
      ss += d * d;
    }
    const float r = norm::InvStd(l.group_len > 0 ? ss / l.group_len : 0.0, eps_);
    mean[s] = m;
    inv_std[s] = r;
    // Position of the run's first value within its example.
    const int64_t first = static_cast<int64_t>(s % l.groups) * l.group_len;
    for (int i = 0; i < l.group_len; ++i) {
      const float v = norm::Standardize(x[base + i], m, r);
      x_hat[base + i] = v;
      if (affine_) {
        const int64_t p = (first + i) / l.inner;
        y[base + i] = gamma[p] * v + beta[p];
      } else {
        y[base + i] = v;
      }
    }
  }
}

void SegmentNormLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  const Layout& l = layout_;
  const float* dy = top[0]->cpu_diff();
  const float* x_hat = x_hat_.cpu_data();
  const int64_t example = static_cast<int64_t>(l.groups) * l.group_len;
  // Parameter gradients first: in place, dx overwrites dy.
  if (affine_ && (param_propagate_down(0) || param_propagate_down(1))) {
    float* dgamma = blobs_[0]->mutable_cpu_diff();
    float* dbeta = blobs_[1]->mutable_cpu_diff();
    const int params = blobs_[0]->count();
    for (int p = 0; p < params; ++p) {
      double sg = 0, sb = 0;
      for (int n = 0; n < l.num; ++n) {
        const int64_t base = n * example + static_cast<int64_t>(p) * l.inner;
        for (int k = 0; k < l.inner; ++k) {
          sg += static_cast<double>(dy[base + k]) * x_hat[base + k];
          sb += dy[base + k];
        }
      }
      if (param_propagate_down(0)) dgamma[p] = static_cast<float>(dgamma[p] + sg);
      if (param_propagate_down(1)) dbeta[p] = static_cast<float>(dbeta[p] + sb);
    }
  }
  if (!propagate_down[0]) return;
  float* dx = bottom[0]->mutable_cpu_diff();
  const float* gamma = affine_ ? blobs_[0]->cpu_data() : nullptr;
  const float* inv_std = inv_std_.cpu_data();
  const int segments = l.num * l.groups;
  for (int s = 0; s < segments; ++s) {
    const int64_t base = static_cast<int64_t>(s) * l.group_len;
    const int64_t first = static_cast<int64_t>(s % l.groups) * l.group_len;
    double sum = 0, sum_x = 0;
    for (int i = 0; i < l.group_len; ++i) {
      const float g = affine_ ? dy[base + i] * gamma[(first + i) / l.inner] : dy[base + i];
      sum += g;
      sum_x += static_cast<double>(g) * x_hat[base + i];
    }
    const float mean_g = l.group_len > 0 ? static_cast<float>(sum / l.group_len) : 0.f;
    const float mean_gx = l.group_len > 0 ? static_cast<float>(sum_x / l.group_len) : 0.f;
    for (int i = 0; i < l.group_len; ++i) {
      const float g = affine_ ? dy[base + i] * gamma[(first + i) / l.inner] : dy[base + i];
      dx[base + i] = norm::StandardizeGrad(g, x_hat[base + i], mean_g, mean_gx, inv_std[s]);
    }
  }
}

}  // namespace cnn
