#include "cnn/layers/loss/contrastive_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ContrastiveLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_BATCH_SIZE, where());
  margin_ = layer_param_.contrastive_loss_param().margin();
  legacy_ = layer_param_.contrastive_loss_param().legacy_version();
}

namespace {
// N x C with any trailing axes of size 1 (Caffe's N x C x 1 x 1).
bool IsPairMatrix(const Blob& b) { return b.num_axes() >= 2 && b.count(2) == 1; }
}  // namespace

void ContrastiveLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& a = *bottom[0];
  const Blob& b = *bottom[1];
  CNN_CHECK(IsPairMatrix(a) && IsPairMatrix(b) && a.shape(0) == b.shape(0) && a.shape(1) == b.shape(1),
            where() << "bottoms a and b must both be N x C (or N x C x 1 x 1) of the same N and C, got "
                    << a.shape_string() << " and " << b.shape_string());
  num_ = a.shape(0);
  channels_ = a.shape(1);
  CNN_CHECK(bottom[2]->count() == num_ && (bottom[2]->num_axes() == 0 || bottom[2]->shape(0) == num_),
            where() << "needs one similarity label per pair: a is " << a.shape_string() << " (" << num_
                    << " pairs), labels " << bottom[2]->shape_string());
  diff_.Reshape(std::vector<int>{num_, channels_});
  dist_sq_.Reshape(std::vector<int>{num_});
  top[0]->Reshape(std::vector<int>{});
}

void ContrastiveLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* a = bottom[0]->cpu_data();
  const float* b = bottom[1]->cpu_data();
  const float* labels = bottom[2]->cpu_data();
  float* diff = diff_.mutable_cpu_data();
  float* dist_sq = dist_sq_.mutable_cpu_data();
  double loss = 0.0;
  int valid = 0;
  for (int i = 0; i < num_; ++i) {
    float sq = 0.f;
    for (int c = 0; c < channels_; ++c) {
      const size_t k = static_cast<size_t>(i) * channels_ + c;
      diff[k] = a[k] - b[k];
      sq += diff[k] * diff[k];
    }
    dist_sq[i] = sq;
    const int label = static_cast<int>(labels[i]);
    if (norm_.Ignores(label)) continue;
    loss += ContrastivePairLoss(sq, label != 0, margin_, legacy_);
    ++valid;
  }
  top[0]->mutable_cpu_data()[0] = static_cast<float>(0.5 * loss / norm_.Divisor(num_, num_, valid));
}

void ContrastiveLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  CNN_CHECK(propagate_down.size() < 3 || !propagate_down[2],
            where() << "cannot backpropagate to the similarity labels (bottom 2)");
  const float* labels = bottom[2]->cpu_data();
  const float* diff = diff_.cpu_data();
  const float* dist_sq = dist_sq_.cpu_data();
  int valid = 0;
  for (int i = 0; i < num_; ++i)
    if (!norm_.Ignores(static_cast<int>(labels[i]))) ++valid;
  // top[0]'s diff carries the loss weight.
  const float alpha = top[0]->cpu_diff()[0] / norm_.Divisor(num_, num_, valid);
  for (int side = 0; side < 2; ++side) {
    if (!propagate_down[side]) continue;
    const float signed_alpha = side == 0 ? alpha : -alpha;
    float* dx = bottom[side]->mutable_cpu_diff();
    for (int i = 0; i < num_; ++i) {
      const int label = static_cast<int>(labels[i]);
      const float g = norm_.Ignores(label) ? 0.f : ContrastivePairGradient(dist_sq[i], label != 0, margin_, legacy_);
      for (int c = 0; c < channels_; ++c) {
        const size_t k = static_cast<size_t>(i) * channels_ + c;
        dx[k] = signed_alpha * g * diff[k];
      }
    }
  }
}

CNN_REGISTER_LAYER(ContrastiveLoss, ContrastiveLossLayer);

}  // namespace cnn
