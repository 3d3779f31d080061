// Split: hands one blob to several consumers. The tops alias the bottom's
// values; each consumer writes its own top diff, and Backward sums them.
// The net builder inserts these wherever a blob feeds more than one layer.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class SplitLayer : public Layer {
 public:
  explicit SplitLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Split"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;

#ifdef CNN_WITH_CUDA
  // Nothing to compute: the tops already alias the bottom's values.
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif
};

}  // namespace cnn
