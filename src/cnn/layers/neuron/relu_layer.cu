#include "cnn/layers/neuron/relu_layer.hpp"

#include "cnn/layers/neuron/neuron_layer_gpu.cuh"

CNN_INSTANTIATE_NEURON_GPU(cnn::ReLUOp);
