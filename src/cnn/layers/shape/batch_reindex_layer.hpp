// BatchReindex: builds a batch from rows of bottom 0 picked by bottom 1, a
// 1-D blob of item indices (as floats, truncated): top row i is bottom row
// index[i]. Indices may repeat or skip rows; the top has as many items as
// there are indices. Backward adds each top row's diff into the row it came
// from (rows nobody picked get 0); the indices have no gradient.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class BatchReindexLayer : public Layer {
 public:
  explicit BatchReindexLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "BatchReindex"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

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
  // Every index must name a row of bottom 0 (read on the host, as Caffe does).
  void CheckIndices(const Blob& index, const Blob& data) const;
  // Fills csr_ with, per bottom row, the top rows that read it; returns its
  // ints: begin (rows + 1) then order.
  void BuildGradientIndex(const Blob& index, int rows);
  void CheckNoIndexGradient(const std::vector<bool>& propagate_down) const;

  long long inner_ = 0;  // values per item
  std::unique_ptr<SyncedMemory> csr_;
};

}  // namespace cnn
