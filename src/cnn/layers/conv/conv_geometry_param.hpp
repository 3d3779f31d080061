// Reading a ConvolutionParameter's 2-D window (kernel, stride, pad, dilation
// in either Caffe form: repeated fields, or the _h/_w pairs), shared by the
// layers that take convolution_param (Convolution, Deconvolution, Im2col).
#pragma once

#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/layers/conv/im2col.hpp"

namespace cnn {

// Sets g's kernel, stride, pad and dilation; throws Error prefixed by `where`
// when a form is mixed, incomplete, has too many values, or is not positive.
void ReadConvWindow(const ConvolutionParameter& p, const std::string& where, ConvGeometry* g);

}  // namespace cnn
