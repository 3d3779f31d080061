// SigmoidLayer on cuDNN's activation routines. CPU mode runs the inherited CPU
// code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/neuron/sigmoid_layer.hpp"

namespace cnn {

class CudnnSigmoidLayer : public SigmoidLayer {
 public:
  explicit CudnnSigmoidLayer(const LayerParameter& param) : SigmoidLayer(param) {}

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  cudnn::Activation act_{CUDNN_ACTIVATION_SIGMOID};
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
