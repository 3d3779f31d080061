// Embed: a lookup table. Each value of the bottom is an index into the rows
// of a learned (input_dim x num_output) matrix; the top has the bottom's
// shape with num_output appended, plus an optional learned bias
// (num_output). Caffe's blob order: weights, then bias. The indices get no
// gradient; the weight gradient adds each top row into the row it came from.
#pragma once

#include <math.h>

#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/bad_label_gpu.hpp"
#endif

namespace cnn {

// The table row a bottom value selects, or -1 when it is not an integer in
// [0, input_dim) (NaN included): such a value must never become an address.
CNN_HD int EmbedRow(float value, int input_dim) {
  if (!(value >= 0.f && value < static_cast<float>(input_dim))) return -1;
  const int row = static_cast<int>(value);
  return static_cast<float>(row) == value ? row : -1;
}

class EmbedLayer : public Layer {
 public:
  explicit EmbedLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Embed"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  // Indices have no gradient.
  bool AllowForceBackward(int) const override { return false; }

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
  // Raises the error for the bad value at `position` of the bottom.
  [[noreturn]] void ThrowBadIndex(const Blob& bottom, int position) const;
  void CheckNoPropagateDown(const std::vector<bool>& propagate_down) const;

  int num_output_ = 0;  // N
  int input_dim_ = 0;   // K
  int count_ = 0;       // M, the number of indices
  bool bias_term_ = true;
#ifdef CNN_WITH_CUDA
  BadLabelPosition bad_index_;
#endif
};

}  // namespace cnn
