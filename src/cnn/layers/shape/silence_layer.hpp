// Silence: consumes blobs nobody else reads, so the net does not report them
// as outputs. No tops; its gradient is zero, so Backward clears the bottoms'
// diffs.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class SilenceLayer : public Layer {
 public:
  explicit SilenceLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}

  const char* type() const override { return "Silence"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 0; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif
};

}  // namespace cnn
