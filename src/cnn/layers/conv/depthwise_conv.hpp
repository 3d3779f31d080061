// Direct depthwise convolution: group == channels, so output channel m reads
// only input channel m / multiplier (multiplier = num_output / channels)
// through its own kernel_h x kernel_w weights (weight blob (num_output, 1,
// kh, kw), as for the grouped convolution). Lowered to im2col + gemm this is
// `group` products with one row each, which BLAS runs far below peak, after
// an im2col that writes kh * kw copies of the input; these loops instead
// multiply-add a zero-padded copy of each plane once per tap (see the .cpp). Used by Convolution when
// group == channels > 1 (convolution_layer.cpp / .cu).
#pragma once

#include "cnn/layers/conv/im2col.hpp"

namespace cnn {

// g.channels = input channels, g.height/width = input image; `num` images.
// out = conv(in) + bias (bias may be null); overwrites out.
void DepthwiseForward(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                      const float* bias, float* out);
// dx = the input gradient for top gradient dy; overwrites dx.
void DepthwiseBackwardData(const float* dy, int num, const ConvGeometry& g, int multiplier, const float* weight,
                           float* dx);
// weight_diff += the weight gradient (summed over the images).
void DepthwiseBackwardWeight(const float* dy, const float* in, int num, const ConvGeometry& g, int multiplier,
                             float* weight_diff);

#ifdef CNN_WITH_CUDA
// The same on device arrays (default stream). Forward and data gradient:
// one thread per output / input pixel, gathering its taps; weight gradient:
// one block per weight, a fixed tree reduction (repeats exactly).
void DepthwiseForwardGpu(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                         const float* bias, float* out);
void DepthwiseBackwardDataGpu(const float* dy, int num, const ConvGeometry& g, int multiplier, const float* weight,
                              float* dx);
void DepthwiseBackwardWeightGpu(const float* dy, const float* in, int num, const ConvGeometry& g, int multiplier,
                                float* weight_diff);
#endif

}  // namespace cnn
