// Pooling: MAX, AVE or STOCHASTIC pooling over 2-D windows of a 4-D
// (num, channels, height, width) input, with Caffe's output-size rule
// (ceil by default, FLOOR on request, and no window that starts in the
// bottom/right padding). MAX may have a second top holding the argmax of
// each output as a flat index into its input plane.
//
// With a padding_mode other than ZEROS the layer pools, with pad 0, a copy
// of the input padded by that mode (padded_), and its backward folds the
// padded input's gradient back through the padding's adjoint.
//
// The GPU path (pooling_layer.cu) computes what the CPU does, in its order;
// its backward passes gather (one thread per input pixel visits the windows
// holding it), so they need no atomics and repeat exactly.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/layers/conv/spatial_padding.hpp"

namespace cnn {

class PoolingLayer : public Layer {
 public:
  explicit PoolingLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Pooling"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override {
    return layer_param_.pooling_param().pool() == PoolingParameter::MAX ? 2 : 1;
  }

  // Caffe's pooled extent of `in` for one axis (exposed for tests).
  static int PooledSize(int in, int kernel, int pad, int stride, bool ceil_mode);

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif
  // The array the pooling code (and the cuDNN engine) reads: bottom itself, or (padding_mode other
  // than ZEROS) padded_ filled from it; PoolInputGrad is where its gradient
  // goes, and FoldInputGrad moves that gradient on to bottom's diff.
  const Blob& PoolInput(const BlobVec& bottom, bool gpu);
  Blob& PoolInputGrad(const BlobVec& bottom) { return padded_.Wraps(bottom) ? *padded_.buffers()[0] : *bottom[0]; }
  void FoldInputGrad(const BlobVec& bottom, bool gpu);

 private:
  void ForwardMax(const float* x, float* y);
  // ForwardMax for 2x2 windows at stride 2, unpadded, tiling the input.
  void ForwardMax2x2(const float* x, float* y);
  void ForwardAve(const float* x, float* y);
  void ForwardStochasticTrain(const float* x, float* y);
  void ForwardStochasticTest(const float* x, float* y);
  void BackwardScatter(const float* dy, float* dx);
  void BackwardAve(const float* dy, float* dx);
  void BackwardStochasticTest(const float* x, const float* y, const float* dy, float* dx);

 protected:  // the settings below are also read by the cuDNN engine (cudnn_<name>_layer beside it)
  PoolingParameter::PoolMethod method_ = PoolingParameter::MAX;
  bool global_ = false;
  bool ceil_mode_ = true;
  int kernel_h_ = 0, kernel_w_ = 0;
  int stride_h_ = 1, stride_w_ = 1;
  int pad_h_ = 0, pad_w_ = 0;  // 0 when padded_ pads instead
  PaddedBlobs padded_;
  int planes_ = 0;  // num * channels
  int height_ = 0, width_ = 0;  // of PoolInput
  int pooled_h_ = 0, pooled_w_ = 0;
  // MAX: the argmax of every output; STOCHASTIC in TRAIN: the sampled input.
  // Both as flat indices into the output's input plane.
  std::vector<int> index_;
  std::vector<float> uniform_;  // STOCHASTIC draws, one per output
#ifdef CNN_WITH_CUDA
  // The GPU path's index_ (device ints, grown on demand), and one float per
  // output: STOCHASTIC's draws in TRAIN, its window sums in TEST backward.
  std::unique_ptr<SyncedMemory> gpu_index_;
  Blob gpu_buffer_;
#endif
};

}  // namespace cnn
