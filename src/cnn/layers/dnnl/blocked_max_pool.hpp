// MAX pooling of our own on oneDNN's nChw16c and channels-last (nhwc)
// layouts, for DnnlPoolingLayer: oneDNN's MAX differs from Caffe's on -inf,
// NaN and tied maxima (see dnnl_pooling_layer.hpp), so our layer pools with
// MaxPoolStep, and this is that scan on interleaved channels at once (16 of
// a block, or all of an nhwc image). Between two oneDNN convolutions (LeNet,
// AlexNet, GoogLeNet, CIFAR-10) the input then stays in the convolution's
// layout and so does the output: no reorder either way.
//
// Windows are Caffe's (clipped to the input; ceil-mode sizes come from the
// layer), scanned in row-major order like PoolingLayer::ForwardMax, so the
// maxima, the positions they name and the summed gradient are the plain
// layer's bit for bit.
#pragma once

#include <cstdint>
#include <vector>

namespace cnn {

constexpr int kPoolLanes = 16;

struct PoolWindows {
  int height = 0, width = 0, pooled_h = 0, pooled_w = 0;
  int kernel_h = 0, kernel_w = 0, stride_h = 0, stride_w = 0, pad_h = 0, pad_w = 0;
};

// The blocks of N x C channels: `blocks` per image of `lanes` interleaved
// channels each, the last holding `last_lanes` real channels and padding
// after them, which the passes write as 0 (what oneDNN's layers expect
// there). nChw16c: lanes 16; nhwc: one block of C lanes.
struct ChannelBlocks {
  int64_t num = 0;
  int blocks = 0;
  int lanes = kPoolLanes;
  int last_lanes = kPoolLanes;
};
// The blocks of `channels` in nChw16c, or in nhwc.
ChannelBlocks BlocksOf16(int64_t num, int channels);
ChannelBlocks ChannelsLastBlocks(int64_t num, int channels);

// x: planes (images x channel blocks) of height x width x lanes; y and arg:
// planes of pooled_h x pooled_w x lanes. arg gets each maximum's position in
// its plane (h * width + w), as the plain layer's index.
void BlockedMaxPoolForward(const PoolWindows& w, const ChannelBlocks& c, const float* x, float* y, int* arg);

// dx (planes of height x width x lanes) = the sum of dy at each position's
// maxima; every value of dx is written.
void BlockedMaxPoolBackward(const PoolWindows& w, const ChannelBlocks& c, const float* dy, const int* arg, float* dx);

}  // namespace cnn
