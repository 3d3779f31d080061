// Direct depthwise convolution: group == channels, so output channel m reads
// only input channel m / multiplier (multiplier = num_output / channels)
// through its own kernel_h x kernel_w weights (weight blob (num_output, 1,
// kh, kw), as for the grouped convolution). Lowered to im2col + gemm this is
// `group` products with one row each, which BLAS runs far below peak; these
// loops visit each tap once per output row instead. Used by Convolution when
// group == channels > 1 (convolution_layer.cpp / .cu).
#pragma once

#include "cnn/core/host_device.hpp"
#include "cnn/layers/conv/im2col.hpp"

namespace cnn {

// The outputs o in [*lo, *hi) of an axis with `outputs` positions whose tap
// at offset `offset` (= k * dilation - pad) reads inside [0, size):
// 0 <= o * stride + offset < size. Empty ranges come back as lo == hi.
CNN_HD void DepthwiseTapRange(int outputs, int size, int stride, int offset, int* lo, int* hi) {
  const int l = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int h = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  if (h > outputs) h = outputs;
  *lo = l;
  *hi = h < l ? l : h;
}

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
