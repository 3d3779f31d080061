// Concat: joins its bottoms along one axis; every other axis must match.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class ConcatLayer : public Layer {
 public:
  explicit ConcatLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Concat"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

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
  int concat_axis_ = 1;
  // Product of the axes before / after the concat axis.
  int num_concats_ = 0;
  int concat_input_size_ = 0;
};

}  // namespace cnn
