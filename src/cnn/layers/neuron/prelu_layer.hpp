// PReLU: y = max(x, 0) + a_c * min(x, 0) with a learnable slope a_c per
// channel (axis 1), or one for all (channel_shared). The slopes start from
// prelu_param.filler, constant 0.25 when absent (Caffe's default). Run in
// place it keeps a copy of its input for Backward, as Caffe does. The slope
// gradient accumulates into the blob's diff; on the GPU it is a fixed-order
// block reduction, so repeated runs give the same bits.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class PReLULayer : public Layer {
 public:
  explicit PReLULayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "PReLU"; }
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
  bool channel_shared_ = false;
  int channels_ = 0;  // axis 1 of the bottom
  Blob input_copy_;   // the bottom of an in-place Forward
};

}  // namespace cnn
