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
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/layers/loss/item_label_loss_layer.hpp"

namespace cnn {

// The smallest probability a log is taken of (Caffe's kLOG_THRESHOLD, 1e-20).
constexpr float kLogProbabilityFloor = 1e-20f;

CNN_HD float FlooredProbability(float p) { return p < kLogProbabilityFloor ? kLogProbabilityFloor : p; }

class MultinomialLogisticLossLayer : public ItemLabelLossLayer {
 public:
  explicit MultinomialLogisticLossLayer(const LayerParameter& param) : ItemLabelLossLayer(param, "probabilities") {}

  const char* type() const override { return "MultinomialLogisticLoss"; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif
};

}  // namespace cnn
