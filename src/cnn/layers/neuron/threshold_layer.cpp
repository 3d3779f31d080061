#include "cnn/layers/neuron/threshold_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ThresholdLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  op_.threshold = layer_param_.threshold_param().threshold();
}

void ThresholdLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[0], where() << "has no gradient (as in Caffe); cannot backpropagate to its bottom");
}

CNN_REGISTER_LAYER(Threshold, ThresholdLayer);

}  // namespace cnn
