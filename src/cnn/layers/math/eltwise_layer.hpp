// Eltwise: element-wise PROD, SUM (optionally weighted per bottom) or MAX of
// bottoms that all have the same shape.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {

class EltwiseLayer : public Layer {
 public:
  explicit EltwiseLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Eltwise"; }
  int MinBottomBlobs() const override { return 2; }
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
  EltwiseParameter::EltwiseOp op_ = EltwiseParameter::SUM;
  std::vector<float> coeffs_;
  bool stable_prod_grad_ = true;
  // MAX: which bottom won at each element (ties go as in Caffe); count()
  // ints. Synced memory, so the side that ran forward hands it to the side
  // that runs backward.
  std::unique_ptr<SyncedMemory> max_idx_;
};

}  // namespace cnn
