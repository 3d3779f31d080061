// TanHLayer on cuDNN's activation routines. CPU mode runs the inherited CPU
// code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/neuron/tanh_layer.hpp"

namespace cnn {

class CudnnTanHLayer : public TanHLayer {
 public:
  explicit CudnnTanHLayer(const LayerParameter& param) : TanHLayer(param) {}

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  cudnn::Activation act_{CUDNN_ACTIVATION_TANH};
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
