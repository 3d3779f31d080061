#include "cnn/layers/neuron/sigmoid_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

CNN_REGISTER_LAYER(Sigmoid, SigmoidLayer);

}  // namespace cnn
