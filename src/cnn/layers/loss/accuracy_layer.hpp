// Accuracy: the fraction of positions whose label is among the top_k scores
// (bottom 0, classes along accuracy_param.axis; bottom 1, one label per
// position). A score tied with the true class's counts against it, as in
// Caffe. Optional second top: per-class accuracy, shape (num_classes).
// No gradient.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/core/synced_memory.hpp"
#include "cnn/gpu/bad_label_gpu.hpp"
#endif

namespace cnn {

class AccuracyLayer : public Layer {
 public:
  explicit AccuracyLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Accuracy"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  // A measurement, not a function to differentiate: force_backward leaves it alone.
  bool AllowForceBackward(int bottom_index) const override { return false; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  // Nothing to compute; Backward_cpu's checks apply (and no fallback warning).
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {
    Backward_cpu(top, propagate_down, bottom);
  }
#endif

 private:
  int top_k_ = 1;
  bool has_ignore_label_ = false;
  int ignore_label_ = 0;
  int outer_num_ = 0, channels_ = 0, inner_num_ = 0;
  std::vector<int> class_count_;
  // The error for a label outside [0, channels_) at `position` (both devices).
  [[noreturn]] void ThrowBadLabel(int label, int position) const;
#ifdef CNN_WITH_CUDA
  // Per class on the device: positions labelled with it, and those right.
  std::unique_ptr<SyncedMemory> class_counts_;
  BadLabelPosition bad_label_;
#endif
};

}  // namespace cnn
