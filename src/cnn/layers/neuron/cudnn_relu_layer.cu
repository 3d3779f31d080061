#ifdef CNN_WITH_CUDNN

#include "cnn/layers/neuron/cudnn_relu_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void CudnnReLULayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (layer_param_.relu_param().negative_slope() != 0.f) {
    ReLULayer::Forward_gpu(bottom, top);
    return;
  }
  act_.Forward(*bottom[0], top[0]);
}

void CudnnReLULayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  if (layer_param_.relu_param().negative_slope() != 0.f) {
    ReLULayer::Backward_gpu(top, propagate_down, bottom);
    return;
  }
  if (!propagate_down[0]) return;
  act_.Backward(*top[0], bottom[0]);
}

CNN_REGISTER_LAYER_ENGINE(ReLU, CUDNN, CudnnReLULayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
