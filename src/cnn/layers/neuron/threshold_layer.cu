#include "cnn/layers/neuron/threshold_layer.hpp"

#include "cnn/layers/neuron/neuron_layer_gpu.cuh"

CNN_INSTANTIATE_NEURON_GPU(cnn::ThresholdOp);
