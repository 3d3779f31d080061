// Slice: cuts its bottom along one axis into consecutive pieces, one per
// top. slice_param { axis (or legacy slice_dim) slice_point... }: the points
// are the starts of tops 1..n-1, strictly increasing; without points the
// axis is split into equal parts. The inverse of Concat.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class SliceLayer : public Layer {
 public:
  explicit SliceLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Slice"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }

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
  int slice_axis_ = 1;
  // Product of the axes before / after the slice axis.
  int num_slices_ = 0;
  int slice_size_ = 0;
};

}  // namespace cnn
