// im2col / col2im: lay the receptive fields of an image out as matrix columns
// so that a convolution becomes one matrix product (and its input gradient the
// transposed product followed by col2im).
#pragma once

#include <cstdint>

namespace cnn {

// A 2-D patch geometry over images of channels x height x width.
struct ConvGeometry {
  int channels = 0;
  int height = 0;
  int width = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int pad_h = 0;
  int pad_w = 0;
  int stride_h = 1;
  int stride_w = 1;
  int dilation_h = 1;
  int dilation_w = 1;

  // Span of the (dilated) kernel in input pixels.
  int extent_h() const { return dilation_h * (kernel_h - 1) + 1; }
  int extent_w() const { return dilation_w * (kernel_w - 1) + 1; }
  int out_h() const { return (height + 2 * pad_h - extent_h()) / stride_h + 1; }
  int out_w() const { return (width + 2 * pad_w - extent_w()) / stride_w + 1; }
  int out_size() const { return out_h() * out_w(); }
  int image_size() const { return channels * height * width; }
  // Rows of the column matrix: one per (channel, kernel row, kernel column).
  int col_rows() const { return channels * kernel_h * kernel_w; }
};

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

}  // namespace cnn
