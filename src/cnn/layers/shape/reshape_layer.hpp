// Reshape: gives the bottom's values a new shape without moving them. The
// top aliases both the bottom's data and its diff, so Forward and Backward
// have nothing to do (Caffe's contract: the gradient of a reshape is the
// incoming gradient, reshaped back, which is the same memory).
//
// reshape_param { shape { dim: ... } axis num_axes }: the input axes
// [axis, axis + num_axes) are replaced by `shape` (num_axes -1: through the
// last axis; a negative axis counts from the end, -1 being the position after
// the last axis). In `shape`, 0 copies the input dimension at that position
// and one -1 is inferred so that the element count is unchanged.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class ReshapeLayer : public Layer {
 public:
  explicit ReshapeLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Reshape"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

  // The top shape Caffe's rules give `bottom_shape` (exposed for tests);
  // `where` prefixes the error raised when they cannot be met.
  static std::vector<int> TopShape(const ReshapeParameter& p, const std::vector<int>& bottom_shape,
                                   const std::string& where);

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {}
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif
};

}  // namespace cnn
