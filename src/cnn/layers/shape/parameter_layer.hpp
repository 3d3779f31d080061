// Parameter: exposes one learnable blob, of parameter_param.shape, as its
// top, so a net can feed a learned tensor to any layer. No bottoms. The blob
// starts at zero (as in Caffe, there is no filler) unless weights are given.
// The top aliases the blob's data and diff: the consumer's gradient lands
// in the parameter's diff directly.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class ParameterLayer : public Layer {
 public:
  explicit ParameterLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Parameter"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int ExactNumTopBlobs() const override { return 1; }

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
