// ConvolutionLayer on cuDNN: one cudnnConvolutionForward per bottom over the
// whole batch (groups via the descriptor's group count), the bias added with
// cudnnAddTensor, and the three backward products with cuDNN's own kernels.
// CPU mode runs the inherited CPU code.
//
// Algorithms: for each new input shape and pass (forward, backward data,
// backward filter), cuDNN's exhaustive search (cudnnFind*Algorithm, which
// times every algorithm on the device) picks the fastest one whose workspace
// fits the limit below; when the search fails (it allocates its own buffers,
// which can fail on a nearly full device) or returns nothing that fits,
// cuDNN's heuristics (cudnnGet*Algorithm_v7) pick instead. The choice is kept
// process-wide, keyed by device, shapes and geometry, so identical layers
// (a train and a test net, GoogLeNet's repeated modules) search once.
//
// Workspace limit: min(1 GiB, 1/8 of the device's memory). Taken from the
// total rather than the free memory so that the choice does not depend on
// what happens to be allocated at the time of the search; 1 GiB is well above
// what the fastest algorithms of common nets ask for. All layers share one
// workspace (gpu::SharedWorkspace), so it costs the largest single request.
//
// Precision: strict FP32 (CUDNN_FMA_MATH), matching the CPU. CUDNN_DEFAULT_MATH
// would let cuDNN use TF32 tensor cores on Ampere and later (10-bit mantissa
// products, errors near 1e-3); set CNN_CUDNN_ALLOW_TF32=1 to allow that for
// speed.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <cstddef>
#include <string>
#include <vector>

#include "cnn/layers/conv/convolution_layer.hpp"
#include "cnn/gpu/cudnn_util.hpp"

namespace cnn {

// One pass's choice: a cuDNN algorithm enum value, its workspace and the
// math type it was found with.
struct CudnnConvAlgo {
  int algo = -1;  // -1: not chosen yet for the current shape
  size_t bytes = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
};

enum class CudnnConvPass { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

// The algorithm for one pass of the convolution x (*) w = y described by the
// descriptors, found as the comment above says and kept process-wide under
// `key` (the device, pass and math are added to it). `where` and `shape`
// name the layer and input in the error when nothing fits. Shared by the
// Convolution and Deconvolution engines (a deconvolution's passes are its
// transposed convolution's).
CudnnConvAlgo FindCudnnConvAlgo(CudnnConvPass pass, const std::vector<int>& key, cudnnTensorDescriptor_t x,
                                cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t conv,
                                cudnnTensorDescriptor_t y, cudnnMathType_t math, const std::string& where,
                                const std::string& shape);

// CUDNN_FMA_MATH, or CUDNN_DEFAULT_MATH where CNN_CUDNN_ALLOW_TF32=1.
cudnnMathType_t CudnnConvMath();

class CudnnConvolutionLayer : public ConvolutionLayer {
 public:
  explicit CudnnConvolutionLayer(const LayerParameter& param) : ConvolutionLayer(param) {}

  using Algo = CudnnConvAlgo;

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  using Pass = CudnnConvPass;

  // Sets the descriptors on the first GPU call and when the input shape
  // changes (which also forgets the algorithms chosen for the old shape).
  void Prepare(const Blob& bottom);
  // The algorithm for `pass` at the current shape, chosen on first use.
  const Algo& AlgoFor(Pass pass);
  void SetMath(const Algo& algo);

  cudnn::TensorDescriptor bottom_desc_, top_desc_, bias_desc_;
  cudnn::FilterDescriptor filter_desc_;
  cudnn::ConvolutionDescriptor conv_;
  bool fixed_set_ = false;  // filter, bias and convolution descriptors
  cudnnMathType_t math_ = CUDNN_FMA_MATH;
  std::vector<int> shape_;  // the input shape the tensor descriptors hold
  Algo algo_[3];
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
