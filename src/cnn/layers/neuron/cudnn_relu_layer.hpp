// ReLULayer on cuDNN's activation routines. CPU mode runs the inherited CPU
// code; a leaky ReLU (negative_slope != 0), which cuDNN has no mode for,
// runs ReLULayer's own GPU path.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/neuron/relu_layer.hpp"

namespace cnn {

class CudnnReLULayer : public ReLULayer {
 public:
  explicit CudnnReLULayer(const LayerParameter& param) : ReLULayer(param) {}

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  cudnn::Activation act_{CUDNN_ACTIVATION_RELU};
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
