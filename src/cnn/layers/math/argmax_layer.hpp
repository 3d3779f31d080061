// ArgMax: the indices of the top_k largest values (argmax_param, top_k
// default 1), largest first, ties to the larger index.
//   - with `axis`: along that axis; the top is the bottom's shape with the
//     axis shortened to top_k, holding indices, or with out_max_val the
//     values instead;
//   - without: over each item (everything after axis 0); the top is
//     N x 1 x top_k (padded with 1s to the bottom's number of axes, at least
//     3), or N x 2 x top_k with out_max_val: the indices, then the values.
// Indices are floats. There is no gradient: asking for one is an error.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class ArgMaxLayer : public Layer {
 public:
  explicit ArgMaxLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "ArgMax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return false; }

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
  bool has_axis_ = false;
  bool out_max_val_ = false;
  int top_k_ = 1;
  int dim_ = 0;            // values searched per row
  long long stride_ = 1;   // distance between them
  long long rows_ = 0;
};

}  // namespace cnn
