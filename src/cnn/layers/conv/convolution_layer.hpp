// Convolution over any number of spatial axes (Caffe's N-D convolution:
// N x C x L, N x C x H x W, N x C x D x H x W, ...; the spatial axes are all
// those after convolution_param.axis, the channel axis) with per-axis
// kernel, stride, pad and dilation, channel groups and an optional bias.
// Weights are (num_output, channels / group, k0, k1, ...), the bias
// (num_output). Several bottoms may share the weights; bottom i produces
// top i.
//
// The CPU path lowers the convolution to matrix products: im2col of a chunk
// of images into one column matrix, then one gemm per group for the whole
// chunk (small images give products too small for BLAS to run near peak one
// at a time). The column matrix lives in the thread's CpuWorkspace
// (cpu_workspace.hpp), which all layers of a net share. A 1x1 convolution with stride 1 and no padding multiplies the
// input directly when a chunk holds a single image.
//
// The lowering takes im2col.hpp's 2-D loops for one or two spatial axes and
// its generic N-D loops otherwise (or always, with force_nd_im2col).
//
// A depthwise convolution (group == channels > 1, MobileNet's 3x3 layers)
// with one or two spatial axes skips the lowering: its per-group products
// have a single row, so direct loops over the taps (depthwise_conv.*) run
// several times faster. With more axes it takes the grouped lowering.
//
// The GPU path (engine: CAFFE; convolution_layer.cu) is the same lowering
// with im2col/col2im kernels and cuBLAS, in larger chunks whose buffers live
// in the device's shared workspace; col2im gathers, so the input gradient
// repeats exactly.
//
// padding_mode other than ZEROS: geom_ has pad 0 and every pass runs on
// padded_'s copies of the bottoms, Pad(bottom), whose diffs fold back through
// PadAdjoint (Deconvolution: on copies of the tops, see there). Each pass
// starts with a hook that calls the pass itself on the copies.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/layers/conv/im2col.hpp"
#include "cnn/layers/conv/spatial_padding.hpp"

namespace cnn {

class ConvolutionLayer : public Layer {
 public:
  explicit ConvolutionLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Convolution"; }
  int MinBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  bool EqualNumBottomTopBlobs() const override { return true; }

  // Images per im2col + gemm step for the current shape (exposed for tests).
  int chunk_size() const { return chunk_; }

  // Whether the direct depthwise loops (depthwise_conv.hpp) run instead of
  // im2col + one gemm per group: when group == channels > 1 over one or two
  // spatial axes, on CPU and on the CAFFE GPU path. set_allow_depthwise(false),
  // before SetUp, keeps the grouped gemm (tests and benchmarks compare the two).
  bool uses_depthwise() const {
    return allow_depthwise_ && group_ > 1 && group_ == geom_.channels && geom_.has_2d_form();
  }
  void set_allow_depthwise(bool allow) { allow_depthwise_ = allow; }

#ifdef CNN_WITH_CUDA
  // The GPU path's images per step: as many as fit a scratch budget (a GPU
  // needs far larger products than a CPU core to run near peak), or 1 for a
  // large 1x1 convolution, which then multiplies the input directly.
  int gpu_chunk_size() const;
  // Caps gpu_chunk_size() (0: no cap), so tests reach the single-image and
  // ragged-last-chunk paths with small inputs.
  void set_max_gpu_chunk(int images) { max_gpu_chunk_ = images; }
#endif

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 protected:
  // The weight blob's shape and the names of its axes (for error messages):
  // Deconvolution swaps the two channel axes.
  virtual std::vector<int> WeightShape() const;
  virtual const char* WeightAxes() const { return "(num_output, channels / group, kernel per spatial axis)"; }
  void CheckOrCreateBlobs();
  // This pass's column matrix and, when chunk_ > 1, the channel-major product
  // of a chunk, num_output x (chunk * out_size): both borrowed from the
  // thread's CpuWorkspace, shared with every other layer of the net.
  struct ChunkBuffers {
    float* col;
    float* out;
  };
  ChunkBuffers BorrowChunkBuffers() const;

 private:
  void ReadGeometry(const Blob& bottom);
  void ChooseChunk();
  // The column matrix of images [n0, n0 + count) of `input`: the input itself
  // on the 1x1 path, else im2col into `col`.
  const float* Columns(const float* input, int n0, int count, float* col);

 protected:  // the settings below are also read by the cuDNN engine (cudnn_<name>_layer beside it)
  ConvGeometryNd geom_;
  bool force_nd_ = false;  // force_nd_im2col: the generic im2col loops even for 1 or 2 spatial axes
  int channel_axis_ = 1;
  int num_ = 0;  // product of the axes before the channel axis
  int num_output_ = 0;
  int group_ = 1;
  bool bias_term_ = true;
  bool is_1x1_ = false;
  bool allow_depthwise_ = true;
  int chunk_ = 1;
  std::vector<float> ones_;  // chunk * out_size ones: the bias gradient sums rows against it
  PaddedBlobs padded_;       // padding_mode's buffers; inactive for ZEROS
#ifdef CNN_WITH_CUDA
  int max_gpu_chunk_ = 0;
#endif
};

}  // namespace cnn
