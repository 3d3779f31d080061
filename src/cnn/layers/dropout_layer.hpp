// Dropout: in the TRAIN phase each unit is zeroed with probability
// dropout_ratio and the survivors are scaled by 1 / (1 - ratio), so the
// expected output equals the input; in TEST it is the identity. Safe in place.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

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

 private:
  float ratio_ = 0.5f;
  float scale_ = 2.f;
  // 1 where the unit survived the last TRAIN forward.
  std::vector<unsigned> mask_;
};

}  // namespace cnn
