// InfogainLoss (Caffe's current form): softmax of the scores (bottom 0)
// along infogain_loss_param.axis, then for each position with label l the
// loss -sum_k H[l][k] log max(p_k, kLogProbabilityFloor), H being the K x K
// infogain matrix (K classes) read from infogain_loss_param.source (a
// BlobProto file) or given as a third bottom (any shape of K*K values).
// With H = I it is SoftmaxWithLoss. Positions labelled
// loss_param.ignore_label count for nothing; the sum is divided as
// loss_param.normalization says (VALID by default; the deprecated
// `normalize` is refused, as in Caffe). Tops: the loss and, optionally, the
// probabilities. Only the scores get gradients:
// (p_k * sum_j H[l][j] - H[l][k]) * loss_weight / divisor.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#include "cnn/layers/loss/multinomial_logistic_loss_layer.hpp"
#include "cnn/layers/math/softmax_layer.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/bad_label_gpu.hpp"
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

namespace cnn {

// One position's loss for label row `h` (K values) and probabilities p_k at
// p[k * stride].
CNN_HD double InfogainPositionLoss(const float* h, const float* p, long long stride, int classes) {
  double loss = 0.0;
  for (int k = 0; k < classes; ++k) loss -= static_cast<double>(h[k]) * logf(FlooredProbability(p[k * stride]));
  return loss;
}

CNN_HD float InfogainGradient(float p, float row_sum, float h) { return p * row_sum - h; }

class InfogainLossLayer : public Layer {
 public:
  explicit InfogainLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "InfogainLoss"; }
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 3; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  bool IsLossLayer() const override { return true; }
  // Neither the labels nor H have a gradient.
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

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
  const Blob& H(const BlobVec& bottom) const { return bottom.size() > 2 ? *bottom[2] : infogain_; }
  int LabelAt(const float* labels, int position) const;
  [[noreturn]] void ThrowBadLabel(int label, int position) const;
  void CheckBackward(const std::vector<bool>& propagate_down) const;

  std::unique_ptr<SoftmaxLayer> softmax_;
  Blob prob_;
  Blob infogain_;  // H from the source file
  LossNormalization norm_;
  int outer_num_ = 0, classes_ = 0, inner_num_ = 0;
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
  BadLabelPosition bad_label_;
#endif
};

}  // namespace cnn
