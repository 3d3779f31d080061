#include "cnn/layers/norm/batch_norm_layer.hpp"

#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {

void BatchNormLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const BatchNormParameter& p = layer_param_.batch_norm_param();
  use_global_stats_ = p.has_use_global_stats() ? p.use_global_stats() : phase_ == TEST;
  moving_average_fraction_ = p.moving_average_fraction();
  eps_ = p.eps();
  CNN_CHECK(eps_ >= 0.f, where() << "eps must not be negative, got " << eps_);
  CNN_CHECK(bottom[0]->num_axes() >= 2 && bottom[0]->shape(1) > 0, where() << "needs an input of shape N x C (x spatial...), got shape "
                                                << bottom[0]->shape_string() << " (" << bottom[0]->num_axes()
                                                << " axis/axes)");
  channels_ = bottom[0]->shape(1);
  const std::vector<std::vector<int>> shapes = {{channels_}, {channels_}, {1}};
  if (!blobs_.empty()) {
    // Statistics given inline (or, later, copied from a weights file).
    CNN_CHECK(blobs_.size() == 3, where() << "given " << blobs_.size()
                                          << " blob(s), expected 3 (mean, variance, scale factor)");
    for (int i = 0; i < 3; ++i) {
      CNN_CHECK(blobs_[i]->count() == shapes[i][0],
                where() << "blob " << i << " has shape " << blobs_[i]->shape_string() << ", expected "
                        << shapes[i][0] << " value(s) for input of shape " << bottom[0]->shape_string());
      blobs_[i]->Reshape(shapes[i]);
    }
  } else {
    for (const auto& shape : shapes) {
      blobs_.push_back(std::make_shared<Blob>(shape));
      cpu_set(blobs_.back()->count(), 0.f, blobs_.back()->mutable_cpu_data());
    }
  }
  // Keep the statistics out of every solver's reach, as Caffe does.
  for (int i = 0; i < 3; ++i) {
    if (layer_param_.param_size() <= i) {
      layer_param_.add_param()->set_lr_mult(0.f);
    } else {
      CNN_CHECK(layer_param_.param(i).lr_mult() == 0.f,
                where() << "param " << i << " has lr_mult " << layer_param_.param(i).lr_mult()
                        << ": blobs 0-2 are statistics the layer updates itself; give lr_mult: 0 or no param");
    }
  }
  param_propagate_down_.assign(blobs_.size(), false);
}

void BatchNormLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  CNN_CHECK(in.num_axes() >= 2 && in.shape(1) == channels_,
            where() << "input of shape " << in.shape_string() << " does not have the " << channels_
                    << " channels (axis 1) the layer was set up with");
  num_ = in.shape(0);
  inner_ = in.count(2);
  input_axes_ = in.num_axes();
  top[0]->ReshapeLike(in);
  x_hat_.ReshapeLike(in);
  for (Blob* b : {&mean_, &inv_std_, &var_, &mean_dy_, &mean_dy_x_hat_}) b->Reshape(std::vector<int>{channels_});
}

void BatchNormLayer::ComputeStatistics(const float* x, const norm::ChannelView& view) {
  float* mean = mean_.mutable_cpu_data();
  float* inv_std = inv_std_.mutable_cpu_data();
  float* variance = var_.mutable_cpu_data();
  if (use_global_stats_) return StoredStatistics(mean, variance, inv_std);
  std::vector<double> var(channels_);
  norm::ChannelMoments(view, x, mean, var.data());
  float* sum_mean = blobs_[0]->mutable_cpu_data();
  float* sum_var = blobs_[1]->mutable_cpu_data();
  const double unbiased = norm::UnbiasedVarianceFactor(static_cast<double>(num_) * inner_);
  const float f = moving_average_fraction_;
  for (int c = 0; c < channels_; ++c) {
    variance[c] = static_cast<float>(var[c]);
    inv_std[c] = norm::InvStd(var[c], eps_);
    sum_mean[c] = norm::FoldIntoSum(mean[c], f, sum_mean[c]);
    sum_var[c] = norm::FoldIntoSum(static_cast<float>(unbiased * var[c]), f, sum_var[c]);
  }
  float* total = blobs_[2]->mutable_cpu_data();
  total[0] = norm::FoldIntoSum(1.f, f, total[0]);
}

bool BatchNormLayer::PerChannelScale(const Layer& scale) const {
  // A learned per-channel scale: one bottom, its blob C values along axis 1.
  if (std::string(scale.type()) != "Scale") return false;
  const ScaleParameter& sp = scale.layer_param().scale_param();
  const std::vector<BlobPtr>& sb = scale.blobs();
  if (sp.num_axes() != 1 || sb.empty() || sb[0]->num_axes() != 1 || sb[0]->count() != channels_ ||
      sb.size() != (sp.bias_term() ? 2u : 1u)) {
    return false;
  }
  return sp.axis() == 1 || sp.axis() == 1 - input_axes_;
}

void BatchNormLayer::StoredStatistics(float* mean, float* variance, float* inv_std) const {
  const float scale = norm::StoredStatsScale(blobs_[2]->cpu_data()[0]);
  const float* sum_mean = blobs_[0]->cpu_data();
  const float* sum_var = blobs_[1]->cpu_data();
  for (int c = 0; c < channels_; ++c) {
    mean[c] = sum_mean[c] * scale;
    variance[c] = sum_var[c] * scale;
    inv_std[c] = norm::InvStd(variance[c], eps_);
  }
}

int BatchNormLayer::Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) {
  scale_ = nullptr;
  if (!context.head_in_place || next.empty() || !next[0].in_place || !PerChannelScale(*next[0].layer)) return 0;
  scale_ = next[0].layer;
  relu_ = false;
  if (next.size() > 1 && next[1].in_place && std::string(next[1].layer->type()) == "ReLU" &&
      next[1].layer->layer_param().relu_param().negative_slope() >= 0.f) {
    relu_ = true;
    negative_slope_ = next[1].layer->layer_param().relu_param().negative_slope();
  }
  fused_backward_ = context.need_backward;
  return relu_ ? 2 : 1;
}

norm::AffineAct BatchNormLayer::TakenAffine() const {
  norm::AffineAct a;
  a.gamma = scale_->blobs()[0]->cpu_data();
  a.beta = scale_->blobs().size() > 1 ? scale_->blobs()[1]->cpu_data() : nullptr;
  a.relu = relu_;
  a.negative_slope = negative_slope_;
  return a;
}

void BatchNormLayer::FusedForward(const norm::ChannelView& view, const float* x, float* y) {
  ComputeStatistics(x, view);
  float* x_hat = nullptr;
  if (fused_backward_) {
    if (x_hat_.count() != view.size()) x_hat_.Reshape(std::vector<int>{static_cast<int>(view.size())});
    x_hat = x_hat_.mutable_cpu_data();
  }
  norm::BnAffineForward(view, x, mean_.cpu_data(), inv_std_.cpu_data(), TakenAffine(), x_hat, y);
}

void BatchNormLayer::FusedBackward(const norm::ChannelView& view, const float* dy, float* dx) {
  CNN_CHECK(fused_backward_, where() << "backward through the fused Scale/ReLU of a net built without backward");
  const std::vector<BlobPtr>& sb = scale_->blobs();
  float* dgamma = scale_->param_propagate_down(0) ? sb[0]->mutable_cpu_diff() : nullptr;
  float* dbeta = sb.size() > 1 && scale_->param_propagate_down(1) ? sb[1]->mutable_cpu_diff() : nullptr;
  norm::BnAffineBackward(view, dy, x_hat_.cpu_data(), inv_std_.cpu_data(), TakenAffine(), !use_global_stats_,
                         dgamma, dbeta, dx);
}

void BatchNormLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (fused_pass_) return FusedForward(PlainView(), bottom[0]->cpu_data(), top[0]->mutable_cpu_data());
  const float* x = bottom[0]->cpu_data();
  ComputeStatistics(x);
  const float* mean = mean_.cpu_data();
  const float* inv_std = inv_std_.cpu_data();
  const int64_t c_stride = inner_;
  const int64_t n_stride = static_cast<int64_t>(channels_) * inner_;
  float* y = top[0]->mutable_cpu_data();
  // Backward with global statistics is a per-channel scale that never reads
  // x_hat; not writing it spares a deploy net an activation-sized buffer
  // per BatchNorm layer (ResNet-50 at batch 10: about 500 MiB).
  float* x_hat = use_global_stats_ ? nullptr : x_hat_.mutable_cpu_data();
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(bottom[0]->count()))
  for (int n = 0; n < num_; ++n)
    for (int c = 0; c < channels_; ++c) {
      const int64_t base = n * n_stride + c * c_stride;
      for (int i = 0; i < inner_; ++i) {
        const float v = norm::Standardize(x[base + i], mean[c], inv_std[c]);
        if (x_hat) x_hat[base + i] = v;
        y[base + i] = v;
      }
    }
}

void BatchNormLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  if (fused_pass_) {
    return FusedBackward(PlainView(), top[0]->cpu_diff(), propagate_down[0] ? bottom[0]->mutable_cpu_diff() : nullptr);
  }
  if (!propagate_down[0]) return;
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  const float* inv_std = inv_std_.cpu_data();
  const int64_t c_stride = inner_;
  const int64_t n_stride = static_cast<int64_t>(channels_) * inner_;
  if (use_global_stats_) {
    // The statistics are constants: a per-channel affine map.
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(bottom[0]->count()))
    for (int n = 0; n < num_; ++n)
      for (int c = 0; c < channels_; ++c) {
        const int64_t base = n * n_stride + c * c_stride;
        for (int i = 0; i < inner_; ++i) dx[base + i] = dy[base + i] * inv_std[c];
      }
    return;
  }
  const float* x_hat = x_hat_.cpu_data();
  float* mean_dy = mean_dy_.mutable_cpu_data();
  float* mean_dy_x_hat = mean_dy_x_hat_.mutable_cpu_data();
  const double per_channel = static_cast<double>(num_) * inner_;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(bottom[0]->count()))
  for (int c = 0; c < channels_; ++c) {
    double s = 0, sx = 0;
    for (int n = 0; n < num_; ++n) {
      const int64_t base = n * n_stride + c * c_stride;
#pragma omp simd reduction(+ : s, sx)
      for (int i = 0; i < inner_; ++i) {
        s += dy[base + i];
        sx += static_cast<double>(dy[base + i]) * x_hat[base + i];
      }
    }
    mean_dy[c] = per_channel > 0 ? static_cast<float>(s / per_channel) : 0.f;
    mean_dy_x_hat[c] = per_channel > 0 ? static_cast<float>(sx / per_channel) : 0.f;
  }
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(bottom[0]->count()))
  for (int n = 0; n < num_; ++n)
    for (int c = 0; c < channels_; ++c) {
      const int64_t base = n * n_stride + c * c_stride;
      for (int i = 0; i < inner_; ++i)
        dx[base + i] = norm::StandardizeGrad(dy[base + i], x_hat[base + i], mean_dy[c], mean_dy_x_hat[c], inv_std[c]);
    }
}

CNN_REGISTER_LAYER(BatchNorm, BatchNormLayer);

}  // namespace cnn
