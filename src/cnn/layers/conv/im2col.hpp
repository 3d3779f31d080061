// im2col / col2im: lay the receptive fields of an image out as matrix columns
// so that a convolution becomes one matrix product (and its input gradient the
// transposed product followed by col2im). Two versions of each: a 2-D one
// with its loops specialised for two spatial axes (most nets; one axis runs
// through it as images one pixel high), and a generic N-D one; the
// ConvGeometryNd overloads pick between them.
#pragma once

#include <cstdint>

#include "cnn/layers/conv/conv_geometry.hpp"

namespace cnn {

// Writes the patches of `num` consecutive images (image_size() floats apart)
// as a col_rows() x (num * out_size()) row-major matrix: row (c, ki, kj),
// column (n, oh, ow). Padding reads as zero. With num = 1 this is Caffe's
// im2col layout; with num > 1 one matrix product covers several images.
void Im2Col(const float* im, int num, const ConvGeometry& g, float* col);

// The adjoint of Im2Col: sums every column entry into the image pixel it was
// read from. `im` is overwritten; pixels no patch reads become 0.
void Col2Im(const float* col, int num, const ConvGeometry& g, float* im);

#ifdef CNN_WITH_CUDA
// The same two maps on device arrays, queued on the default stream; the
// results equal the CPU functions' (Col2ImGpu adds each pixel's taps in the
// same order, so it is bit-identical). Col2ImGpu gathers: one thread per
// image pixel sums the column entries read from it, so it needs no atomics
// and repeats exactly.
void Im2ColGpu(const float* im, int num, const ConvGeometry& g, float* col);
void Col2ImGpu(const float* col, int num, const ConvGeometry& g, float* im);
#endif

// The same maps for any number of spatial axes: row (c, k0, k1, ...), column
// (n, o0, o1, ...), both row-major. The Nd functions always take the generic
// loops; the overloads without "Nd" take the 2-D ones for one or two spatial
// axes unless `generic` (convolution_param's force_nd_im2col) is set. Both
// give identical results.
void Im2ColNd(const float* im, int num, const ConvGeometryNd& g, float* col);
void Col2ImNd(const float* col, int num, const ConvGeometryNd& g, float* im);
void Im2Col(const float* im, int num, const ConvGeometryNd& g, float* col, bool generic = false);
void Col2Im(const float* col, int num, const ConvGeometryNd& g, float* im, bool generic = false);

#ifdef CNN_WITH_CUDA
// Device versions; the generic kernels index through conv_geometry.hpp's
// CNN_HD functions, gather in col2im as the 2-D kernel does, and equal the
// CPU bit for bit.
void Im2ColNdGpu(const float* im, int num, const ConvGeometryNd& g, float* col);
void Col2ImNdGpu(const float* col, int num, const ConvGeometryNd& g, float* im);
void Im2ColGpu(const float* im, int num, const ConvGeometryNd& g, float* col, bool generic = false);
void Col2ImGpu(const float* col, int num, const ConvGeometryNd& g, float* im, bool generic = false);
#endif

}  // namespace cnn
