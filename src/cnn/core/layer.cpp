#include "cnn/core/layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

Layer::Layer(const LayerParameter& param) : layer_param_(param), phase_(param.phase()) {
  // Weights given inline in the LayerParameter (a deploy net with blobs)
  // become the layer's learnable blobs right away.
  for (int i = 0; i < param.blobs_size(); ++i) {
    auto b = std::make_shared<Blob>();
    b->FromProto(param.blobs(i));
    blobs_.push_back(b);
  }
}

std::string Layer::where() const {
  return "layer '" + layer_param_.name() + "' (" + type() + "): ";
}

void Layer::SetUp(const BlobVec& bottom, const BlobVec& top) {
  CheckBlobCounts(bottom, top);
  if (IsLossLayer() && layer_param_.loss_weight_size() == 0) {
    // A loss layer counts toward the objective through its first top only.
    for (size_t i = 0; i < top.size(); ++i) layer_param_.add_loss_weight(i == 0 ? 1.f : 0.f);
  }
  LayerSetUp(bottom, top);
  Reshape(bottom, top);
  SetLossWeights(top);
}

void Layer::CheckBlobCounts(const BlobVec& bottom, const BlobVec& top) const {
  const int nb = static_cast<int>(bottom.size());
  const int nt = static_cast<int>(top.size());
  CNN_CHECK(ExactNumBottomBlobs() < 0 || nb == ExactNumBottomBlobs(),
            where() << "takes " << ExactNumBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(MinBottomBlobs() < 0 || nb >= MinBottomBlobs(),
            where() << "takes at least " << MinBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(MaxBottomBlobs() < 0 || nb <= MaxBottomBlobs(),
            where() << "takes at most " << MaxBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(ExactNumTopBlobs() < 0 || nt == ExactNumTopBlobs(),
            where() << "produces " << ExactNumTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(MinTopBlobs() < 0 || nt >= MinTopBlobs(),
            where() << "produces at least " << MinTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(MaxTopBlobs() < 0 || nt <= MaxTopBlobs(),
            where() << "produces at most " << MaxTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(!EqualNumBottomTopBlobs() || nb == nt,
            where() << "needs as many tops as bottoms, got " << nb << " bottom(s) and " << nt << " top(s)");
}

void Layer::set_loss(int top_index, float value) {
  if (static_cast<int>(loss_.size()) <= top_index) loss_.resize(top_index + 1, 0.f);
  loss_[top_index] = value;
}

void Layer::set_param_propagate_down(int i, bool value) {
  if (static_cast<int>(param_propagate_down_.size()) <= i) param_propagate_down_.resize(i + 1, true);
  param_propagate_down_[i] = value;
}

void Layer::SetLossWeights(const BlobVec& top) {
  const int n = layer_param_.loss_weight_size();
  if (n == 0) return;
  CNN_CHECK(n == static_cast<int>(top.size()),
            where() << "has " << n << " loss_weight value(s) but " << top.size() << " top(s); give one per top");
  for (int i = 0; i < n; ++i) {
    const float w = layer_param_.loss_weight(i);
    set_loss(i, w);
    if (w == 0.f) continue;
    // Keeping the weight in the top's diff makes the loss a dot product and
    // seeds the backward pass with the right scale.
    cpu_set(top[i]->count(), w, top[i]->mutable_cpu_diff());
  }
}

float Layer::Forward(const BlobVec& bottom, const BlobVec& top) {
  Reshape(bottom, top);
  if (Context::mode() == Mode::GPU) {
    Forward_gpu(bottom, top);
  } else {
    Forward_cpu(bottom, top);
  }
  float weighted_loss = 0.f;
  for (size_t i = 0; i < top.size(); ++i) {
    if (loss(static_cast<int>(i)) == 0.f) continue;
    const int n = top[i]->count();
    weighted_loss += cpu_dot(n, top[i]->cpu_data(), top[i]->cpu_diff());
  }
  return weighted_loss;
}

void Layer::Backward(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  if (Context::mode() == Mode::GPU) {
    Backward_gpu(top, propagate_down, bottom);
  } else {
    Backward_cpu(top, propagate_down, bottom);
  }
}

void Layer::ToProto(LayerParameter* param, bool write_diff) const {
  param->Clear();
  param->CopyFrom(layer_param_);
  param->clear_blobs();
  for (const auto& b : blobs_) b->ToProto(param->add_blobs(), write_diff);
}

}  // namespace cnn
