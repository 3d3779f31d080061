// Accuracy: the fraction of positions whose label is among the top_k scores
// (bottom 0, classes along accuracy_param.axis; bottom 1, one label per
// position). A score tied with the true class's counts against it, as in
// Caffe. Optional second top: per-class accuracy, shape (num_classes).
// No gradient.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

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

 private:
  int top_k_ = 1;
  bool has_ignore_label_ = false;
  int ignore_label_ = 0;
  int outer_num_ = 0, channels_ = 0, inner_num_ = 0;
  std::vector<int> class_count_;
};

}  // namespace cnn
