// PoolingLayer on oneDNN's CPU pooling primitives for AVE over the whole
// batch. Our layer keeps setup, checks and its output size (Caffe's
// ceil-mode rule); oneDNN is given that size through its right/bottom
// padding, so both pool the same windows.
//
// Our own CPU code runs instead (uses_dnnl() false) for MAX (oneDNN's
// differs on -inf, NaN and ties, see the .cpp), STOCHASTIC, padding_mode
// other than ZEROS, an empty input, and AVE where oneDNN's divisor differs
// from Caffe's: Caffe
// divides by the window clipped to the padded input, which is oneDNN's
// include-padding rule where no window overhangs the padding, and its
// exclude-padding rule with no padding at all; a padded AVE window that
// also overhangs (ceil mode) has neither. GPU passes are our layer's.
// An input in a kept oneDNN layout (dnnl_layout.hpp) is pooled in it; for
// MAX that is our own scan (blocked_max_pool.hpp) on nChw16c inputs (any
// channel count: the padding of the last block stays 0).
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/pool/pooling_layer.hpp"

namespace cnn {

class DnnlLayout;
struct ChannelBlocks;

class DnnlPoolingLayer : public PoolingLayer {
 public:
  explicit DnnlPoolingLayer(const LayerParameter& param);
  ~DnnlPoolingLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  bool Supported() const;
  // On our layout, or on `kept`, the input's kept oneDNN layout.
  void Prepare(const DnnlLayout* kept);

  // MAX on an nChw16c or nhwc input (blocked_max_pool.hpp); false when it
  // cannot run.
  bool ForwardBlockedMax(const BlobVec& bottom, const BlobVec& top);
  ChannelBlocks Blocks() const;
  void BackwardBlockedMax(const BlobVec& top, const BlobVec& bottom);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  int num_ = 0, channels_ = 0;
  int pad_bottom_ = 0, pad_right_ = 0;  // oneDNN's padding after the input, giving our output size
  std::unique_ptr<Primitives> prims_;   // null until the first pass of a shape
  // The blocked MAX pass: whether the last forward ran it (index_ then
  // holds the maxima's positions in blocked order), and the layouts of its
  // input and output.
  bool blocked_max_ran_ = false;
  std::shared_ptr<const DnnlLayout> max_in_, max_out_;
};

}  // namespace cnn
