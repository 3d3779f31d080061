// EuclideanLoss: sum((a - b)^2) / (2 N) over two bottoms of equal size, N
// being the first dimension. Both bottoms get gradients (opposite signs).
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class EuclideanLossLayer : public Layer {
 public:
  explicit EuclideanLossLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "EuclideanLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool IsLossLayer() const override { return true; }

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
  // a - b from the last forward.
  Blob diff_;
#ifdef CNN_WITH_CUDA
  // Per-block partial sums of squares (device scratch of Forward_gpu).
  std::unique_ptr<SyncedMemory> partials_;
#endif
};

}  // namespace cnn
