// The base of the losses over N items that each have one integer class label
// (bottom 1, N values, or N x 1 x 1 x 1) and D = count / N values per item in
// bottom 0: HingeLoss's class scores, MultinomialLogisticLoss's class
// probabilities. It holds what the two share: the shape rule, the loss
// normalisation and ignore_label, and the check that a label names a class.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/bad_label_gpu.hpp"
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

namespace cnn {

class ItemLabelLossLayer : public Layer {
 public:
  // `values` names what bottom 0 holds per class, for messages ("scores").
  ItemLabelLossLayer(const LayerParameter& param, const char* values) : Layer(param), values_(values) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool IsLossLayer() const override { return true; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }

 protected:
  // Item i's label, checked against [0, dim_) unless ignored.
  int LabelAt(const float* labels, int i) const;
  [[noreturn]] void ThrowBadLabel(int label, int item) const;

  LossNormalization norm_;
  int num_ = 0, dim_ = 0;
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
  BadLabelPosition bad_label_;
#endif

 private:
  const char* values_;
};

}  // namespace cnn
