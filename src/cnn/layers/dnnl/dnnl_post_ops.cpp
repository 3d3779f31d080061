#include "cnn/layers/dnnl/dnnl_post_ops.hpp"

#include <algorithm>
#include <string>

#include "cnn/layers/norm/batch_norm_layer.hpp"

namespace cnn {
namespace {

bool IsReLU(const FusionCandidate& c) { return c.in_place && std::string(c.layer->type()) == "ReLU"; }

float Slope(const Layer& relu) { return relu.layer_param().relu_param().negative_slope(); }

// An Eltwise adding two different blobs, one of them `head_top`, with
// coefficients 1 (the binary post-op adds without a factor); the other
// bottom's index, or -1.
int OtherSumOperand(const FusionCandidate& c, const Blob* head_top) {
  if (c.in_place || std::string(c.layer->type()) != "Eltwise" || c.bottom.size() != 2 || c.top.size() != 1) return -1;
  const EltwiseParameter& ep = c.layer->layer_param().eltwise_param();
  if (ep.operation() != EltwiseParameter::SUM) return -1;
  if (std::any_of(ep.coeff().begin(), ep.coeff().end(), [](float k) { return k != 1.f; })) return -1;
  const int other = c.bottom[0] == head_top ? 1 : c.bottom[1] == head_top ? 0 : -1;
  if (other < 0 || c.bottom[other] == head_top || c.top[0] == c.bottom[other]) return -1;
  return other;
}

void AddEltwiseRelu(dnnl::post_ops* ops, const Layer& relu) {
  // oneDNN's relu with alpha is x > 0 ? x : alpha * x, Caffe's
  // max(x, 0) + negative_slope * min(x, 0) for the same float x, but for
  // NaN with slope 0: oneDNN's max with 0 makes it 0 (and -0 +0), where the
  // ReLU alone propagates it (dnnl_relu_layer.hpp); README says so.
  ops->append_eltwise(1.f, dnnl::algorithm::eltwise_relu, Slope(relu), 0.f);
}

}  // namespace

int DnnlPostOps::Take(const std::vector<FusionCandidate>& next, const FusionContext& context, int channels) {
  taken_.clear();
  bn_ = nullptr;
  scale_ = relu_ = sum_relu_ = nullptr;
  sum_ = nullptr;
  sum_other_ = -1;
  channels_ = channels;
  if (context.head_in_place) return 0;
  size_t k = 0;
  if (channels > 0 && !context.need_backward && next.size() >= 2 && next[0].in_place && next[1].in_place) {
    // Stored statistics only: batch ones depend on the head's output.
    auto* bn = dynamic_cast<BatchNormLayer*>(next[0].layer);
    if (bn && bn->use_global_stats() && bn->channels() == channels && bn->PerChannelScale(*next[1].layer)) {
      bn_ = bn;
      scale_ = next[1].layer;
      k = 2;
    }
  }
  if (k < next.size() && IsReLU(next[k])) relu_ = next[k++].layer;
  size_t sum_at = next.size();
  if (channels > 0 && context.forward_only && k < next.size()) {
    sum_other_ = OtherSumOperand(next[k], context.head_top);
    if (sum_other_ >= 0) {
      sum_at = k++;
      if (k < next.size() && IsReLU(next[k])) sum_relu_ = next[k++].layer;
    }
  }
  taken_.assign(next.begin(), next.begin() + k);
  if (sum_at < taken_.size()) sum_ = &taken_[sum_at];
  return static_cast<int>(k);
}

const char* DnnlPostOps::what() const {
  return bn_ || sum_ ? "post-ops for the layers after it" : "a ReLU post-op";
}

dnnl::primitive_attr DnnlPostOps::Attr(const dnnl::memory::desc& dst) {
  dnnl::post_ops ops;
  if (relu_) AddEltwiseRelu(&ops, *relu_);
  if (sum_) {
    // A binary add of the whole tensor in the output's own layout, not
    // oneDNN's sum post-op: its fast kernels take a sum only as the first
    // post-op, before the ReLU it may follow.
    sum_index_ = ops.len();
    ops.append_binary(dnnl::algorithm::binary_add, dst);
    sum_arg_.ResetBorrowed(dnnl_util::Plain(dst.dims()), dst);
  }
  if (sum_relu_) AddEltwiseRelu(&ops, *sum_relu_);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

Blob& DnnlPostOps::Output(Blob& head_top) const { return sum_ ? *sum_->top[0] : head_top; }

void DnnlPostOps::Prepare(const float* bias, std::unordered_map<int, dnnl::memory>* args) {
  for (const FusionCandidate& c : taken_) c.layer->Reshape(c.bottom, c.top);
  if (bn_) {
    // (w x + b - mean) * inv_std * gamma + beta = (w s) x + (b s + t).
    std::vector<float> mean(channels_), variance(channels_), inv_std(channels_);
    bn_->StoredStatistics(mean.data(), variance.data(), inv_std.data());
    const float* gamma = scale_->blobs()[0]->cpu_data();
    const float* beta = scale_->blobs().size() > 1 ? scale_->blobs()[1]->cpu_data() : nullptr;
    scale_values_.resize(channels_);
    folded_bias_.resize(channels_);
    for (int c = 0; c < channels_; ++c) {
      scale_values_[c] = inv_std[c] * gamma[c];
      folded_bias_[c] = ((bias ? bias[c] : 0.f) - mean[c]) * scale_values_[c] + (beta ? beta[c] : 0.f);
    }
    (*args)[DNNL_ARG_BIAS] =
        dnnl::memory(dnnl_util::Plain({channels_}), dnnl_util::Engine(), folded_bias_.data());
  }
  if (sum_) {
    Blob& other = *sum_->bottom[sum_other_];
    (*args)[DNNL_ARG_ATTR_MULTIPLE_POST_OP(sum_index_) | DNNL_ARG_SRC_1] = sum_arg_.Read(*other.data());
  }
}

void DnnlPostOps::Forward() const {
  for (const FusionCandidate& c : taken_) c.layer->Forward(c.bottom, c.top);
}

void DnnlPostOps::Backward() const {
  // Only a ReLU is taken where backward passes run (Take).
  CNN_CHECK(taken_.size() == 1 && relu_, "internal: backward through post-ops taken for a forward-only chain");
  relu_->Backward(taken_[0].top, {true}, taken_[0].bottom);
}

}  // namespace cnn
