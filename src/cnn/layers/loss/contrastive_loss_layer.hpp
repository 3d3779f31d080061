// ContrastiveLoss (Hadsell, Chopra and LeCun 2006): bottoms a and b (N x C,
// or N x C x 1 x 1) and a similarity label per pair (bottom 2, N values;
// nonzero as an integer means similar). With d = ||a_n - b_n||, a similar
// pair costs d^2 and a dissimilar one max(margin - d, 0)^2, or
// max(margin - d^2, 0) with contrastive_loss_param.legacy_version; the sum
// is halved and divided by N. Caffe ignores loss_param here; we honour
// loss_param.normalization (default BATCH_SIZE, which is N) and
// loss_param.ignore_label (a pair so labelled counts for nothing).
// Gradients go to a and b (opposite signs), never to the labels.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

namespace cnn {

CNN_HD float ContrastivePairLoss(float dist_sq, bool similar, float margin, bool legacy) {
  if (similar) return dist_sq;
  if (legacy) return fmaxf(margin - dist_sq, 0.f);
  const float short_by = fmaxf(margin - sqrtf(dist_sq), 0.f);
  return short_by * short_by;
}

// g such that the gradient of half the pair's loss with respect to a is
// g * (a - b). Caffe adds 1e-4 to d in the divisor so that d = 0 stays
// finite; we keep it, so numbers match.
CNN_HD float ContrastivePairGradient(float dist_sq, bool similar, float margin, bool legacy) {
  if (similar) return 1.f;
  if (legacy) return margin - dist_sq > 0.f ? -1.f : 0.f;
  const float d = sqrtf(dist_sq);
  const float short_by = margin - d;
  return short_by > 0.f ? -short_by / (d + 1e-4f) : 0.f;
}

class ContrastiveLossLayer : public Layer {
 public:
  explicit ContrastiveLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "ContrastiveLoss"; }
  int ExactNumBottomBlobs() const override { return 3; }
  int ExactNumTopBlobs() const override { return 1; }
  bool IsLossLayer() const override { return true; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  LossNormalization norm_;
  float margin_ = 1.f;
  bool legacy_ = false;
  int num_ = 0, channels_ = 0;
  Blob diff_;     // a - b
  Blob dist_sq_;  // ||a_n - b_n||^2 per pair
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
#endif
};

}  // namespace cnn
