// Reduction: reduces every axis from reduction_param.axis (default 0) to the
// end, leaving the shape before it (axis 0: a scalar). operation SUM, ASUM
// (sum of |x|), SUMSQ (sum of x^2) or MEAN, scaled by coeff (default 1).
// Sums accumulate in double on both devices.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class ReductionLayer : public Layer {
 public:
  explicit ReductionLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Reduction"; }
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
  int op_ = 1;
  int num_ = 0;  // rows: the product of the kept axes
  int dim_ = 0;  // elements reduced into each row
  float coeff_ = 1.f;  // coeff, divided by dim for MEAN
};

}  // namespace cnn
