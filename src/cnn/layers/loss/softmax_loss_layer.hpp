// SoftmaxWithLoss: softmax of the scores (bottom 0) along softmax_param.axis,
// then the multinomial logistic loss of the integer labels (bottom 1, one per
// position outside the class axis). Tops: the loss, and optionally the
// probabilities. Positions labelled loss_param.ignore_label count for nothing;
// the summed loss is divided as loss_param.normalization says (Caffe rules).
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#include "cnn/layers/math/softmax_layer.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/bad_label_gpu.hpp"
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

namespace cnn {

class SoftmaxWithLossLayer : public Layer {
 public:
  explicit SoftmaxWithLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "SoftmaxWithLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  bool IsLossLayer() const override { return true; }
  // Labels have no gradient.
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }

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
  // What the summed loss is divided by, given how many positions were not ignored.
  float Divisor(double valid) const {
    return norm_.Divisor(static_cast<double>(outer_num_) * inner_num_, outer_num_, valid);
  }
  // The label at position (o, j), checked against the class range unless ignored.
  int LabelAt(const float* labels, int o, int j) const;

  std::unique_ptr<SoftmaxLayer> softmax_;
  Blob prob_;
  LossNormalization norm_;
  int outer_num_ = 0, channels_ = 0, inner_num_ = 0;
  // The error for a label outside [0, channels_) at `position` (both devices).
  [[noreturn]] void ThrowBadLabel(int label, int position) const;
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
  BadLabelPosition bad_label_;
#endif
};

}  // namespace cnn
