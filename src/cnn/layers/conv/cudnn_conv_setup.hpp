// The cuDNN side of one convolution problem x (*) w = y, shared by the
// Convolution engine (x: its bottom, y: its top) and the Deconvolution
// engine (x: its top, y: its bottom; a deconvolution's passes are those of
// the convolution it transposes): the descriptors, the choice of algorithm
// per pass, and the five cuDNN calls around them.
//
// Shapes: cuDNN's convolutions take 4-D and 5-D tensors, i.e. 2 or 3
// spatial axes; a single spatial axis is described as 2-D with a unit
// height (kernel 1, no padding, stride and dilation 1 along it). Axes before
// the channel axis fold into the batch: the memory is the same. Every
// descriptor is packed (NCHW / NCDHW), set with the Nd calls.
//
// Algorithms: for each new input shape and pass (forward, backward data,
// backward filter), cuDNN's exhaustive search (cudnnFind*Algorithm, which
// times every algorithm on the device) picks the fastest one whose workspace
// fits the limit below; when the search fails (it allocates its own buffers,
// which can fail on a nearly full device) or returns nothing that fits,
// cuDNN's heuristics (cudnnGet*Algorithm_v7) pick instead. The choice is kept
// process-wide, keyed by device, shapes and geometry, so identical layers
// (a train and a test net, GoogLeNet's repeated modules, a convolution and
// the deconvolution that transposes it) search once.
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

#include "cnn/core/blob.hpp"
#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/conv/conv_geometry.hpp"

namespace cnn {

// One pass's choice: a cuDNN algorithm enum value, its workspace and the
// math type it was found with.
struct CudnnConvAlgo {
  int algo = -1;  // -1: not chosen yet for the current shape
  size_t bytes = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
};

enum class CudnnConvPass { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

// Whether cuDNN's convolutions take g's spatial axes (1 to 3, see above);
// the engines run the CAFFE GPU path for the others.
bool CudnnTakesConv(const ConvGeometryNd& g);

class CudnnConv {
 public:
  // Before each GPU pass. The first call sets the filter (y_channels x
  // x_channels / group x kernel), convolution and bias (1 x bias_channels x
  // 1 ...) descriptors from g's window; a call with a `bottom` shape other
  // than the last one sets x (num x x_channels x g.in) and y (num x
  // y_channels x g.out), checks cuDNN's output size against y and forgets
  // the algorithms chosen for the old shape. `where` names the layer in
  // errors.
  void Prepare(const ConvGeometryNd& g, int num, int x_channels, int y_channels, int group, int bias_channels,
               const Blob& bottom, const std::string& where);

  // Chooses the algorithms of the given passes now: a search allocates and
  // frees device memory, so a backward pass chooses both of its algorithms
  // before its first call takes the shared workspace.
  void Choose(bool forward, bool backward_data, bool backward_filter);

  // y = x (*) w.
  void Forward(const float* x, const float* w, float* y);
  // dx = the input gradient for dy (overwritten).
  void BackwardData(const float* w, const float* dy, float* dx);
  // dw += the filter gradient for x and dy.
  void BackwardFilter(const float* x, const float* dy, float* dw);
  // t += bias per channel, and db += the per-channel sums of dt, where t is x
  // (on_x) or y.
  void AddBias(const float* bias, bool on_x, float* t);
  void BiasGradient(const float* dt, bool on_x, float* db);

 private:
  const CudnnConvAlgo& AlgoFor(CudnnConvPass pass);
  // Runs call(algorithm, workspace, workspace bytes) with `pass`'s algorithm,
  // the convolution set to its math and the shared workspace taken for it.
  template <typename Call>
  void Run(CudnnConvPass pass, Call call);

  cudnn::TensorDescriptor x_desc_, y_desc_, bias_desc_;
  cudnn::FilterDescriptor filter_desc_;
  cudnn::ConvolutionDescriptor conv_;
  bool window_set_ = false;
  cudnnMathType_t math_ = CUDNN_FMA_MATH;
  std::vector<int> shape_;  // the bottom shape the tensor descriptors hold
  std::string shape_text_;  // ... as text, for errors
  std::vector<int> key_;    // sizes and window: the algorithm cache key's problem part
  std::string where_;
  CudnnConvAlgo algo_[3];
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
