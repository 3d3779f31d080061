#ifdef CNN_WITH_CUDNN

#include "cnn/layers/neuron/cudnn_tanh_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void CudnnTanHLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) { act_.Forward(*bottom[0], top[0]); }

void CudnnTanHLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  act_.Backward(*top[0], bottom[0]);
}

CNN_REGISTER_LAYER_ENGINE(TanH, CUDNN, CudnnTanHLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
