// HingeLoss: the one-vs-all hinge loss of scores (bottom 0, N x D: each
// item's D = count/N values are its class scores) and one integer label per
// item (bottom 1, N values): per item, sum over classes k of
// max(0, 1 + x_k) for k != label and max(0, 1 - x_label), each term squared
// with hinge_loss_param { norm: L2 } (default L1). Caffe always divides by N
// here; loss_param.normalization (default BATCH_SIZE, which is N) and
// loss_param.ignore_label are honoured as in the other losses. Where a term
// is exactly 0 (the kink) its L1 gradient is 0, as Caffe's sign() gives.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/bad_label_gpu.hpp"
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

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

class HingeLossLayer : public Layer {
 public:
  explicit HingeLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "HingeLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool IsLossLayer() const override { return true; }
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
  int LabelAt(const float* labels, int i) const;
  [[noreturn]] void ThrowBadLabel(int label, int item) const;

  LossNormalization norm_;
  bool l2_ = false;
  int num_ = 0, dim_ = 0;
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
  BadLabelPosition bad_label_;
#endif
};

}  // namespace cnn
