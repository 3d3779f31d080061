// HingeLoss: the one-vs-all hinge loss of scores (bottom 0, N x D: each
// item's D = count/N values are its class scores) and one integer label per
// item (bottom 1, N values): per item, sum over classes k of
// max(0, 1 + x_k) for k != label and max(0, 1 - x_label), each term squared
// with hinge_loss_param { norm: L2 } (default L1). Caffe always divides by N
// here; loss_param.normalization (default BATCH_SIZE, which is N) and
// loss_param.ignore_label are honoured as in the other losses. Where a term
// is exactly 0 (the kink) its L1 gradient is 0, as Caffe's sign() gives.
#pragma once

#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/layers/loss/item_label_loss_layer.hpp"

namespace cnn {

// How far score x falls short of the margin: 1 + x for a wrong class, 1 - x
// for the labelled one, floored at 0.
CNN_HD float HingeShortfall(float x, bool is_label) {
  const float m = 1.f + (is_label ? -x : x);
  return m > 0.f ? m : 0.f;
}

CNN_HD float HingeTerm(float x, bool is_label, bool l2) {
  const float m = HingeShortfall(x, is_label);
  return l2 ? m * m : m;
}

CNN_HD float HingeTermGradient(float x, bool is_label, bool l2) {
  const float m = HingeShortfall(x, is_label);
  const float g = l2 ? 2.f * m : (m > 0.f ? 1.f : 0.f);
  return is_label ? -g : g;
}

class HingeLossLayer : public ItemLabelLossLayer {
 public:
  explicit HingeLossLayer(const LayerParameter& param) : ItemLabelLossLayer(param, "scores") {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "HingeLoss"; }

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
  bool l2_ = false;
};

}  // namespace cnn
