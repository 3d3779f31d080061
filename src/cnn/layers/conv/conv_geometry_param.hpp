// Reading a ConvolutionParameter's window for N spatial axes (Caffe's rules:
// kernel_size, stride, pad and dilation take one value for every spatial
// axis or one per axis; the _h/_w pairs are the 2-D-only alternative),
// shared by the layers that take convolution_param (Convolution,
// Deconvolution, Im2col), and the checks of an input against the window.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"
#include "cnn/layers/conv/conv_geometry.hpp"

namespace cnn {

// The channel axis of `bottom` (p.axis(), negative counts from the end) and
// the window over the spatial axes after it: sets g's axes, kernel, stride,
// pad and dilation (not channels or in) and returns the canonical channel
// axis. Throws Error prefixed by `where` when the axis is out of range,
// there is no spatial axis or more than kMaxConvAxes, a form is mixed or
// incomplete, a field has a count other than 1 or the spatial axes', or a
// value is not positive.
int ReadConvWindow(const ConvolutionParameter& p, const Blob& bottom, const std::string& where, ConvGeometryNd* g);

// Checks that `bottom` still has channel_axis + 1 + g.axes axes (a reshape
// may change sizes, not the number of spatial axes).
void CheckConvAxisCount(const Blob& bottom, int channel_axis, const ConvGeometryNd& g, const std::string& where);

// Sets g.in from the spatial axes of `bottom` and checks that the dilated
// kernel fits the padded input along every axis.
void ReadConvInput(const Blob& bottom, int channel_axis, const std::string& where, ConvGeometryNd* g);

// Checks that the column matrix's rows (channels x kernel taps), one image
// (channels x input pixels) and the output positions each fit an int; g's
// sizes (in, channels) must be set and the window must fit the input.
void CheckConvSizes(const ConvGeometryNd& g, const Blob& bottom, const std::string& where);

// Per-axis values joined by 'x' ("3x3x3") or another separator, for messages.
std::string AxesText(const int* values, int axes, const char* separator = "x");

}  // namespace cnn
