// Input: the net's entry point. Its tops are shaped from input_param and
// filled by whoever drives the net (a tool, a test, a deploy script).
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class InputLayer : public Layer {
 public:
  explicit InputLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  // Deliberately empty: the user may reshape the tops after SetUp and every
  // Forward must keep that shape.
  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}

  const char* type() const override { return "Input"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  // Also nothing on the GPU (declared so the layer does not count as one
  // falling back to the CPU): the tops' synced memory carries whatever the
  // caller wrote to whichever side reads it next.
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif
};

}  // namespace cnn
