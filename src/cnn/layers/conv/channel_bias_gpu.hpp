// Per-channel bias on device arrays of (num, channels, spatial) layout, shared
// by the convolution and deconvolution GPU paths (kernels in
// convolution_layer.cu).
#pragma once

#ifdef CNN_WITH_CUDA

namespace cnn {

// y[n, c, j] += bias[c].
void AddChannelBiasGpu(int num, int channels, int spatial, const float* bias, float* y);
// bias_diff[c] += the sum of dy[n, c, j] over n and j, by a fixed tree
// reduction per channel, so it repeats exactly.
void AccumulateChannelBiasGradGpu(int num, int channels, int spatial, const float* dy, float* bias_diff);

}  // namespace cnn

#endif  // CNN_WITH_CUDA
