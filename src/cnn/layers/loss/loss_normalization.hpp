// What a loss layer divides its summed loss by (loss_param.normalization) and
// which targets it skips (loss_param.ignore_label), read once at set-up and
// used by the CPU loops and the CUDA kernels alike (the struct is passed to
// kernels by value).
//
// Caffe's layers differ in their default mode: SoftmaxWithLoss and
// InfogainLoss use the schema default (VALID), SigmoidCrossEntropyLoss uses
// BATCH_SIZE (it divided by the batch before the field existed). The
// deprecated boolean `normalize` counts only when `normalization` is unset:
// true is VALID, false is BATCH_SIZE; InfogainLoss refuses it, as Caffe does.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/core/common.hpp"
#include "cnn/core/host_device.hpp"

namespace cnn {

struct LossNormalization {
  LossParameter_NormalizationMode mode = LossParameter_NormalizationMode_VALID;
  bool has_ignore_label = false;
  int ignore_label = 0;

  // Targets are compared as integers (a float label 255.0 is label 255).
  CNN_HD bool Ignores(int label) const { return has_ignore_label && label == ignore_label; }

  // The divisor for `positions` predictions in a batch of `batch` items, of
  // which `valid` were not ignored. Never below 1: an all-ignored batch has
  // loss 0, not 0/0 (Caffe's rule).
  CNN_HD float Divisor(double positions, double batch, double valid) const {
    double n = 1.0;
    switch (mode) {
      case LossParameter_NormalizationMode_FULL:
        n = positions;
        break;
      case LossParameter_NormalizationMode_VALID:
        n = valid;
        break;
      case LossParameter_NormalizationMode_BATCH_SIZE:
        n = batch;
        break;
      default:  // NONE
        n = 1.0;
        break;
    }
    return n < 1.0 ? 1.f : static_cast<float>(n);
  }
};

// Reads `param.loss_param()`. `where` prefixes errors (Layer::where()).
inline LossNormalization ReadLossNormalization(const LayerParameter& param,
                                               LossParameter_NormalizationMode layer_default,
                                               const std::string& where, bool accepts_normalize = true) {
  const LossParameter& p = param.loss_param();
  LossNormalization n;
  n.has_ignore_label = p.has_ignore_label();
  n.ignore_label = p.ignore_label();
  if (p.has_normalization()) {
    n.mode = p.normalization();
  } else if (p.has_normalize()) {
    CNN_CHECK(accepts_normalize, where << "loss_param.normalize is deprecated and not accepted by this layer "
                                          "(as in Caffe): use loss_param.normalization (FULL, VALID, BATCH_SIZE or NONE)");
    n.mode = p.normalize() ? LossParameter_NormalizationMode_VALID : LossParameter_NormalizationMode_BATCH_SIZE;
  } else {
    n.mode = layer_default;
  }
  return n;
}

}  // namespace cnn
