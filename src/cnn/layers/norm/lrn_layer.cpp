#include "cnn/layers/norm/lrn_layer.hpp"

#include <algorithm>
#include <cmath>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cnn/core/common.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

namespace {

int MaxThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int ThreadId() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace

void LRNLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const LRNParameter& p = layer_param_.lrn_param();
  CNN_CHECK(p.local_size() % 2 == 1,
            where() << "local_size must be odd (the window is centred), got " << p.local_size());
  size_ = static_cast<int>(p.local_size());
  pre_pad_ = (size_ - 1) / 2;
  alpha_ = p.alpha();
  beta_ = p.beta();
  k_ = p.k();
  region_ = p.norm_region();
}

void LRNLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() == 4,
            where() << "expects a 4-D (num, channels, height, width) input, got shape "
                    << bottom[0]->shape_string());
  num_ = bottom[0]->num();
  channels_ = bottom[0]->channels();
  height_ = bottom[0]->height();
  width_ = bottom[0]->width();
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  scale_.ReshapeLike(*bottom[0]);
  if (top[0] == bottom[0]) bottom_copy_.ReshapeLike(*bottom[0]);
}

float* LRNLayer::Scratch(int per_thread) {
  const size_t need = static_cast<size_t>(per_thread) * MaxThreads();
  if (scratch_.size() < need) scratch_.resize(need);
  return scratch_.data();
}

void LRNLayer::ApplyPower(int n, const float* x, const float* s, float* y) const {
  if (beta_ == 0.75f) {
    // AlexNet's and GoogLeNet's exponent: s^-0.75 = r * sqrt(r) with r = 1 / sqrt(s)
    // costs a fraction of a general pow. GCC will not vectorise std::sqrt
    // while it may set errno, so x86 gets the (correctly rounded, hence
    // bit-identical) packed instructions explicitly.
    int i = 0;
#ifdef __SSE2__
    const __m128 one = _mm_set1_ps(1.f);
    for (; i + 4 <= n; i += 4) {
      const __m128 r = _mm_div_ps(one, _mm_sqrt_ps(_mm_loadu_ps(s + i)));
      _mm_storeu_ps(y + i, _mm_mul_ps(_mm_mul_ps(_mm_loadu_ps(x + i), r), _mm_sqrt_ps(r)));
    }
#endif
    for (; i < n; ++i) {
      const float r = 1.f / std::sqrt(s[i]);
      y[i] = x[i] * r * std::sqrt(r);
    }
  } else {
    const float e = -beta_;
    for (int i = 0; i < n; ++i) y[i] = x[i] * std::pow(s[i], e);
  }
}

void LRNLayer::CrossChannelForward(const float* x, float* scale, float* y, float* acc) const {
  const int hw = height_ * width_;
  const int C = channels_;
  const float a = alpha_ / size_;
  const float k = k_;
  // acc holds the sum of squares over the current window; moving to the next
  // channel adds the entering plane and drops the leaving one.
  std::fill(acc, acc + hw, 0.f);
  for (int c = 0; c < std::min(pre_pad_, C); ++c) {
    const float* xc = x + static_cast<size_t>(c) * hw;
    for (int i = 0; i < hw; ++i) acc[i] += xc[i] * xc[i];
  }
  for (int c = 0; c < C; ++c) {
    const int enter = c + pre_pad_;
    const int leave = c - pre_pad_ - 1;
    if (enter < C) {
      const float* xe = x + static_cast<size_t>(enter) * hw;
      for (int i = 0; i < hw; ++i) acc[i] += xe[i] * xe[i];
    }
    if (leave >= 0) {
      const float* xl = x + static_cast<size_t>(leave) * hw;
      for (int i = 0; i < hw; ++i) acc[i] -= xl[i] * xl[i];
    }
    float* sc = scale + static_cast<size_t>(c) * hw;
    for (int i = 0; i < hw; ++i) sc[i] = k + a * acc[i];
    ApplyPower(hw, x + static_cast<size_t>(c) * hw, sc, y + static_cast<size_t>(c) * hw);
  }
}

// With s = scale and y = x * s^-beta:
//   dx_c = dy_c * s_c^-beta - 2 alpha beta / n * x_c * sum_{c' in window(c)} dy_c' * y_c' / s_c'
// (the window is symmetric, so the channels c' whose window holds c are c's own window).
void LRNLayer::CrossChannelBackward(const float* x, const float* y, const float* scale, const float* dy,
                                    float* dx, float* ratio, float* acc) const {
  const int hw = height_ * width_;
  const int C = channels_;
  const size_t total = static_cast<size_t>(C) * hw;
  // ratio is filled completely before dx is written: in place, dx is dy.
  for (size_t i = 0; i < total; ++i) ratio[i] = dy[i] * y[i] / scale[i];
  const float coeff = 2.f * alpha_ * beta_ / size_;
  std::fill(acc, acc + hw, 0.f);
  for (int c = 0; c < std::min(pre_pad_, C); ++c) {
    const float* rc = ratio + static_cast<size_t>(c) * hw;
    for (int i = 0; i < hw; ++i) acc[i] += rc[i];
  }
  for (int c = 0; c < C; ++c) {
    const int enter = c + pre_pad_;
    const int leave = c - pre_pad_ - 1;
    if (enter < C) {
      const float* re = ratio + static_cast<size_t>(enter) * hw;
      for (int i = 0; i < hw; ++i) acc[i] += re[i];
    }
    if (leave >= 0) {
      const float* rl = ratio + static_cast<size_t>(leave) * hw;
      for (int i = 0; i < hw; ++i) acc[i] -= rl[i];
    }
    const size_t off = static_cast<size_t>(c) * hw;
    ApplyPower(hw, dy + off, scale + off, dx + off);
    const float* xc = x + off;
    float* dxc = dx + off;
    for (int i = 0; i < hw; ++i) dxc[i] -= coeff * xc[i] * acc[i];
  }
}

void LRNLayer::BoxSum(const float* in, float* tmp, float* out) const {
  const int H = height_, W = width_, p = pre_pad_;
  // Rows first: tmp(h, w) = sum of in(h, w-p .. w+p).
  for (int h = 0; h < H; ++h) {
    const float* row = in + static_cast<size_t>(h) * W;
    float* t = tmp + static_cast<size_t>(h) * W;
    float s = 0.f;
    for (int w = 0; w < std::min(p, W); ++w) s += row[w];
    for (int w = 0; w < W; ++w) {
      if (w + p < W) s += row[w + p];
      if (w - p - 1 >= 0) s -= row[w - p - 1];
      t[w] = s;
    }
  }
  // Then columns, whole rows at a time so the inner loop runs over W.
  std::fill(out, out + static_cast<size_t>(H) * W, 0.f);
  for (int h = 0; h < H; ++h) {
    float* o = out + static_cast<size_t>(h) * W;
    const int lo = std::max(0, h - p), hi = std::min(H - 1, h + p);
    for (int r = lo; r <= hi; ++r) {
      const float* t = tmp + static_cast<size_t>(r) * W;
      for (int w = 0; w < W; ++w) o[w] += t[w];
    }
  }
}

void LRNLayer::WithinChannelForward(const float* x, float* scale, float* y, float* tmp, float* sq) const {
  const int hw = height_ * width_;
  for (int i = 0; i < hw; ++i) sq[i] = x[i] * x[i];
  BoxSum(sq, tmp, scale);
  // Caffe averages with a padded window, so the divisor is n^2 even at the borders.
  const float a = alpha_ / static_cast<float>(size_ * size_);
  for (int i = 0; i < hw; ++i) scale[i] = 1.f + a * scale[i];
  ApplyPower(hw, x, scale, y);
}

void LRNLayer::WithinChannelBackward(const float* x, const float* y, const float* scale, const float* dy,
                                     float* dx, float* tmp, float* ratio) const {
  const int hw = height_ * width_;
  float* acc = ratio + hw;
  for (int i = 0; i < hw; ++i) ratio[i] = dy[i] * y[i] / scale[i];
  BoxSum(ratio, tmp, acc);
  const float coeff = 2.f * alpha_ * beta_ / static_cast<float>(size_ * size_);
  ApplyPower(hw, dy, scale, dx);
  for (int i = 0; i < hw; ++i) dx[i] -= coeff * x[i] * acc[i];
}

void LRNLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (bottom[0]->count() == 0) return;
  const float* x = bottom[0]->cpu_data();
  if (top[0] == bottom[0]) {
    // The top overwrites the input, which backward still needs.
    bottom_copy_.CopyFrom(*bottom[0]);
    x = bottom_copy_.cpu_data();
  }
  float* y = top[0]->mutable_cpu_data();
  float* scale = scale_.mutable_cpu_data();
  const int hw = height_ * width_;
  if (region_ == LRNParameter::ACROSS_CHANNELS) {
    const size_t image = static_cast<size_t>(channels_) * hw;
    float* scratch = Scratch(hw);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ParallelLoopPays(bottom[0]->count()))
#endif
    for (int n = 0; n < num_; ++n) {
      CrossChannelForward(x + n * image, scale + n * image, y + n * image, scratch + ThreadId() * hw);
    }
  } else {
    const int planes = num_ * channels_;
    float* scratch = Scratch(2 * hw);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ParallelLoopPays(bottom[0]->count()))
#endif
    for (int p = 0; p < planes; ++p) {
      const size_t off = static_cast<size_t>(p) * hw;
      float* buf = scratch + static_cast<size_t>(ThreadId()) * 2 * hw;
      WithinChannelForward(x + off, scale + off, y + off, buf, buf + hw);
    }
  }
}

void LRNLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) {
  if (!propagate_down[0] || bottom[0]->count() == 0) return;
  const float* x = top[0] == bottom[0] ? bottom_copy_.cpu_data() : bottom[0]->cpu_data();
  const float* y = top[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  const float* scale = scale_.cpu_data();
  float* dx = bottom[0]->mutable_cpu_diff();
  const int hw = height_ * width_;
  if (region_ == LRNParameter::ACROSS_CHANNELS) {
    const size_t image = static_cast<size_t>(channels_) * hw;
    const int per_thread = static_cast<int>(image) + hw;
    float* scratch = Scratch(per_thread);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ParallelLoopPays(bottom[0]->count()))
#endif
    for (int n = 0; n < num_; ++n) {
      float* buf = scratch + static_cast<size_t>(ThreadId()) * per_thread;
      const size_t off = n * image;
      CrossChannelBackward(x + off, y + off, scale + off, dy + off, dx + off, buf, buf + image);
    }
  } else {
    const int planes = num_ * channels_;
    float* scratch = Scratch(3 * hw);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ParallelLoopPays(bottom[0]->count()))
#endif
    for (int p = 0; p < planes; ++p) {
      const size_t off = static_cast<size_t>(p) * hw;
      float* buf = scratch + static_cast<size_t>(ThreadId()) * 3 * hw;
      WithinChannelBackward(x + off, y + off, scale + off, dy + off, dx + off, buf, buf + hw);
    }
  }
}

CNN_REGISTER_LAYER(LRN, LRNLayer);

}  // namespace cnn
