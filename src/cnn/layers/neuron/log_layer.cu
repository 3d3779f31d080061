#include "cnn/layers/neuron/log_layer.hpp"

#include "cnn/layers/neuron/neuron_layer_gpu.cuh"

CNN_INSTANTIATE_NEURON_GPU(cnn::LogOp);
