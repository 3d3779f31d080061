// MultinomialLogisticLoss: -log p(label) for probabilities already computed
// (bottom 0, N x D: each item's D = count/N values are its class
// probabilities) and one integer label per item (bottom 1, N values).
// A probability below kLogProbabilityFloor is raised to it before the log,
// so a zero probability costs -log(1e-20) ~ 46 instead of infinity; the
// gradient -1/max(p, floor) uses the same floor (Caffe's kLOG_THRESHOLD).
// Caffe always divides by N here; loss_param.normalization (default
// BATCH_SIZE, which is N) and loss_param.ignore_label are honoured as in the
// other losses rather than ignored.
#pragma once

#include <cmath>
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

// The smallest probability a log is taken of (Caffe's kLOG_THRESHOLD, 1e-20).
constexpr float kLogProbabilityFloor = 1e-20f;

CNN_HD float FlooredProbability(float p) { return p < kLogProbabilityFloor ? kLogProbabilityFloor : p; }

class MultinomialLogisticLossLayer : public Layer {
 public:
  explicit MultinomialLogisticLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "MultinomialLogisticLoss"; }
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
  // Item i's label, checked against [0, dim_) unless ignored.
  int LabelAt(const float* labels, int i) const;
  [[noreturn]] void ThrowBadLabel(int label, int item) const;

  LossNormalization norm_;
  int num_ = 0, dim_ = 0;
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
  BadLabelPosition bad_label_;
#endif
};

}  // namespace cnn
