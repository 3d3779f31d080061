// Filter: keeps the items (rows along axis 0) whose selector is non-zero.
// Bottoms: n data blobs and, last, the selector (N values, every axis after
// the first of size 1, read as truncated integers); tops: the n filtered
// blobs, in bottom order. The tops' item count changes with every batch;
// before the first forward (at set-up) they get the full batch size, as in
// Caffe, so a net can be shaped before any selector is known. Backward puts
// each kept row's diff back and zeroes the filtered-out rows; the selector
// has no gradient.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class FilterLayer : public Layer {
 public:
  explicit FilterLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Filter"; }
  int MinBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  // The selector (the last bottom) has no gradient.
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != selector_index_; }

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
  void CheckNoSelectorGradient(const std::vector<bool>& propagate_down) const;

  int selector_index_ = -1;  // known at set-up
  bool first_reshape_ = true;
  int num_ = 0;  // items in each bottom
  // One buffer of ints: position (each bottom row's top row, or -1 where it
  // is filtered out; num_ of them), then kept (the bottom row of each top
  // row; num_kept_ of them).
  std::unique_ptr<SyncedMemory> rows_;
  int num_kept_ = 0;
};

}  // namespace cnn
