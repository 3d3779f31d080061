// Dropout: in the TRAIN phase each unit is zeroed with probability
// dropout_ratio and the survivors are scaled by 1 / (1 - ratio), so the
// expected output equals the input; in TEST it is the identity. Safe in place.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {

class DropoutLayer : public Layer {
 public:
  explicit DropoutLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Dropout"; }
  int ExactNumBottomBlobs() const override { return 1; }
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
  float ratio_ = 0.5f;
  float scale_ = 2.f;
  // 1 where the unit survived the last TRAIN forward (count() unsigneds).
  // Synced memory rather than a host vector so that the GPU draws the mask
  // on the device and a backward on either side reads the one forward drew.
  std::unique_ptr<SyncedMemory> mask_;
};

}  // namespace cnn
