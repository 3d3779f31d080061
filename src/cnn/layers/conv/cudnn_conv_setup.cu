#ifdef CNN_WITH_CUDNN

#include "cnn/layers/conv/cudnn_conv_setup.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/gpu/device_context.hpp"

namespace cnn {
namespace {

constexpr size_t kMaxWorkspaceBytes = size_t{1} << 30;

bool AllowTf32() {
  static const bool allow = [] {
    const char* v = std::getenv("CNN_CUDNN_ALLOW_TF32");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return allow;
}

size_t WorkspaceLimit() {
  size_t free_bytes = 0, total_bytes = 0;
  CNN_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return std::min(kMaxWorkspaceBytes, total_bytes / 8);
}

// Device, pass, math type, input shape and geometry: everything an
// algorithm's speed and validity depend on.
using AlgoKey = std::vector<int>;

struct AlgoCache {
  std::mutex mutex;
  std::map<AlgoKey, CudnnConvAlgo> choices;
};

AlgoCache& Cache() {
  static AlgoCache cache;
  return cache;
}

bool IsTensorOpMath(cudnnMathType_t math) {
  return math == CUDNN_TENSOR_OP_MATH || math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// The first usable entry of cuDNN's results, which come fastest first (timed
// for Find, predicted for the heuristics).
template <typename Perf>
bool PickFastest(const std::vector<Perf>& perf, int returned, size_t limit, bool strict_fp32, CudnnConvAlgo* out) {
  for (int i = 0; i < returned; ++i) {
    const Perf& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > limit) continue;
    if (strict_fp32 && IsTensorOpMath(p.mathType)) continue;
    out->algo = static_cast<int>(p.algo);
    out->bytes = p.memory;
    out->math = strict_fp32 ? CUDNN_FMA_MATH : p.mathType;
    return true;
  }
  return false;
}

// Runs `find`, then `heuristic` if the search failed or found nothing usable.
template <typename Perf, typename Find, typename Heuristic>
bool FindOrGuess(int max_count, size_t limit, bool strict_fp32, Find find, Heuristic heuristic, CudnnConvAlgo* out) {
  std::vector<Perf> perf(std::max(max_count, 1));
  int returned = 0;
  if (find(static_cast<int>(perf.size()), &returned, perf.data()) == CUDNN_STATUS_SUCCESS &&
      PickFastest(perf, returned, limit, strict_fp32, out)) {
    return true;
  }
  // A failed search may leave a (non-sticky) allocation error behind; it
  // must not surface at the next unrelated check.
  cudaGetLastError();
  returned = 0;
  CNN_CUDNN_CHECK(heuristic(static_cast<int>(perf.size()), &returned, perf.data()));
  return PickFastest(perf, returned, limit, strict_fp32, out);
}

cudnnMathType_t ConvMath() { return AllowTf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH; }

CudnnConvAlgo Search(CudnnConvPass pass, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                     cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, cudnnMathType_t math,
                     const std::string& where, const std::string& shape) {
  cudnnHandle_t handle = gpu::Cudnn();
  const size_t limit = WorkspaceLimit();
  const bool strict = math == CUDNN_FMA_MATH;
  CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, math));
  int max_count = 0;
  CudnnConvAlgo algo;
  bool found = false;
  switch (pass) {
    case CudnnConvPass::kForward:
      CNN_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &max_count));
      found = FindOrGuess<cudnnConvolutionFwdAlgoPerf_t>(
          max_count, limit, strict,
          [&](int n, int* r, cudnnConvolutionFwdAlgoPerf_t* p) {
            return cudnnFindConvolutionForwardAlgorithm(handle, x, w, conv, y, n, r, p);
          },
          [&](int n, int* r, cudnnConvolutionFwdAlgoPerf_t* p) {
            return cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, conv, y, n, r, p);
          },
          &algo);
      break;
    case CudnnConvPass::kBackwardData:
      CNN_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &max_count));
      found = FindOrGuess<cudnnConvolutionBwdDataAlgoPerf_t>(
          max_count, limit, strict,
          [&](int n, int* r, cudnnConvolutionBwdDataAlgoPerf_t* p) {
            return cudnnFindConvolutionBackwardDataAlgorithm(handle, w, y, conv, x, n, r, p);
          },
          [&](int n, int* r, cudnnConvolutionBwdDataAlgoPerf_t* p) {
            return cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, w, y, conv, x, n, r, p);
          },
          &algo);
      break;
    case CudnnConvPass::kBackwardFilter:
      CNN_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &max_count));
      found = FindOrGuess<cudnnConvolutionBwdFilterAlgoPerf_t>(
          max_count, limit, strict,
          [&](int n, int* r, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
            return cudnnFindConvolutionBackwardFilterAlgorithm(handle, x, y, conv, w, n, r, p);
          },
          [&](int n, int* r, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
            return cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, x, y, conv, w, n, r, p);
          },
          &algo);
      break;
  }
  static const char* const kPassNames[] = {"forward", "backward data", "backward filter"};
  CNN_CHECK(found, where << "cuDNN offers no " << kPassNames[static_cast<int>(pass)]
                         << " convolution algorithm for input " << shape << " within the " << (limit >> 20)
                         << " MiB workspace limit; use engine: CAFFE for this layer");
  return algo;
}

// The algorithm for one pass of the convolution x (*) w = y described by the
// descriptors, found as the header says and kept process-wide under
// `geometry` (the device, pass and math are added to it). `where` and
// `shape` name the layer and input in the error when nothing fits.
CudnnConvAlgo FindAlgo(CudnnConvPass pass, const std::vector<int>& geometry, cudnnTensorDescriptor_t x,
                       cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y,
                       cudnnMathType_t math, const std::string& where, const std::string& shape) {
  AlgoKey key = {gpu::CurrentDevice(), static_cast<int>(pass), static_cast<int>(math)};
  key.insert(key.end(), geometry.begin(), geometry.end());
  AlgoCache& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.choices.find(key);
    if (it != cache.choices.end()) return it->second;
  }
  // Searched outside the lock: another device's search need not wait. Two
  // threads searching the same key at once just both store the same kind of
  // answer.
  const CudnnConvAlgo algo = Search(pass, x, w, conv, y, math, where, shape);
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.choices[key] = algo;
  return algo;
}

}  // namespace

namespace {

// cuDNN's spatial axes for g: g's own, or (unit height, g's one axis).
struct CudnnWindow {
  std::vector<int> in, out, kernel, pad, stride, dilation;

  explicit CudnnWindow(const ConvGeometryNd& g) {
    if (g.axes == 1) {
      in = out = kernel = stride = dilation = {1};
      pad = {0};
    }
    for (int a = 0; a < g.axes; ++a) {
      in.push_back(g.in[a]);
      out.push_back(g.out(a));
      kernel.push_back(g.kernel[a]);
      pad.push_back(g.pad[a]);
      stride.push_back(g.stride[a]);
      dilation.push_back(g.dilation[a]);
    }
  }
};

std::vector<int> Dims(int n, int c, const std::vector<int>& spatial) {
  std::vector<int> dims = {n, c};
  dims.insert(dims.end(), spatial.begin(), spatial.end());
  return dims;
}

// A packed float tensor of the given dimensions.
void SetPackedTensor(cudnnTensorDescriptor_t desc, const std::vector<int>& dims) {
  std::vector<int> strides(dims.size());
  int stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  CNN_CUDNN_CHECK(
      cudnnSetTensorNdDescriptor(desc, CUDNN_DATA_FLOAT, static_cast<int>(dims.size()), dims.data(), strides.data()));
}

std::string DimsText(const std::vector<int>& dims) {
  std::string s;
  for (int d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

}  // namespace

bool CudnnTakesConv(const ConvGeometryNd& g) { return g.axes >= 1 && g.axes <= 3; }

void CudnnConv::Prepare(const ConvGeometryNd& g, int num, int x_channels, int y_channels, int group, int bias_channels,
                        const Blob& bottom, const std::string& where) {
  const CudnnWindow win(g);
  const int spatial = static_cast<int>(win.in.size());
  if (!window_set_) {
    math_ = ConvMath();
    const std::vector<int> filter = Dims(y_channels, x_channels / group, win.kernel);
    CNN_CUDNN_CHECK(cudnnSetFilterNdDescriptor(filter_desc_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                               static_cast<int>(filter.size()), filter.data()));
    SetPackedTensor(bias_desc_.get(), Dims(1, bias_channels, std::vector<int>(spatial, 1)));
    // Caffe's convolution is a cross-correlation (no kernel flip).
    CNN_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(conv_.get(), spatial, win.pad.data(), win.stride.data(),
                                                    win.dilation.data(), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CNN_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_.get(), group));
    CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), math_));
    window_set_ = true;
  }
  if (bottom.shape() == shape_) return;
  const std::vector<int> x = Dims(num, x_channels, win.in);
  const std::vector<int> y = Dims(num, y_channels, win.out);
  SetPackedTensor(x_desc_.get(), x);
  SetPackedTensor(y_desc_.get(), y);
  std::vector<int> computed(y.size());
  CNN_CUDNN_CHECK(cudnnGetConvolutionNdForwardOutputDim(conv_.get(), x_desc_.get(), filter_desc_.get(),
                                                        static_cast<int>(computed.size()), computed.data()));
  CNN_CHECK(computed == y, where << "cuDNN computes an output of " << DimsText(computed) << " for " << DimsText(x)
                                 << " (input " << bottom.shape_string() << "), expected " << DimsText(y));
  key_ = {g.axes, num, x_channels, y_channels, group};
  for (const std::vector<int>* v : {&win.in, &win.kernel, &win.pad, &win.stride, &win.dilation}) {
    key_.insert(key_.end(), v->begin(), v->end());
  }
  for (CudnnConvAlgo& a : algo_) a = CudnnConvAlgo();
  shape_ = bottom.shape();
  shape_text_ = bottom.shape_string();
  where_ = where;
}

const CudnnConvAlgo& CudnnConv::AlgoFor(CudnnConvPass pass) {
  CudnnConvAlgo& slot = algo_[static_cast<int>(pass)];
  if (slot.algo < 0) {
    slot =
        FindAlgo(pass, key_, x_desc_.get(), filter_desc_.get(), conv_.get(), y_desc_.get(), math_, where_, shape_text_);
  }
  return slot;
}

void CudnnConv::Choose(bool forward, bool backward_data, bool backward_filter) {
  if (forward) AlgoFor(CudnnConvPass::kForward);
  if (backward_data) AlgoFor(CudnnConvPass::kBackwardData);
  if (backward_filter) AlgoFor(CudnnConvPass::kBackwardFilter);
}

template <typename Call>
void CudnnConv::Run(CudnnConvPass pass, Call call) {
  const CudnnConvAlgo& algo = AlgoFor(pass);
  CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), algo.math));
  void* workspace = algo.bytes > 0 ? gpu::SharedWorkspace(algo.bytes) : nullptr;
  CNN_CUDNN_CHECK(call(algo.algo, workspace, algo.bytes));
}

void CudnnConv::Forward(const float* x, const float* w, float* y) {
  Run(CudnnConvPass::kForward, [&](int algo, void* workspace, size_t bytes) {
    return cudnnConvolutionForward(gpu::Cudnn(), cudnn::One(), x_desc_.get(), x, filter_desc_.get(), w, conv_.get(),
                                   static_cast<cudnnConvolutionFwdAlgo_t>(algo), workspace, bytes, cudnn::Zero(),
                                   y_desc_.get(), y);
  });
}

void CudnnConv::BackwardData(const float* w, const float* dy, float* dx) {
  Run(CudnnConvPass::kBackwardData, [&](int algo, void* workspace, size_t bytes) {
    return cudnnConvolutionBackwardData(gpu::Cudnn(), cudnn::One(), filter_desc_.get(), w, y_desc_.get(), dy,
                                        conv_.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), workspace, bytes,
                                        cudnn::Zero(), x_desc_.get(), dx);
  });
}

void CudnnConv::BackwardFilter(const float* x, const float* dy, float* dw) {
  // beta = 1: parameter gradients accumulate over the bottoms sharing the
  // weights and over iter_size steps.
  Run(CudnnConvPass::kBackwardFilter, [&](int algo, void* workspace, size_t bytes) {
    return cudnnConvolutionBackwardFilter(gpu::Cudnn(), cudnn::One(), x_desc_.get(), x, y_desc_.get(), dy, conv_.get(),
                                          static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), workspace, bytes,
                                          cudnn::One(), filter_desc_.get(), dw);
  });
}

void CudnnConv::AddBias(const float* bias, bool on_x, float* t) {
  CNN_CUDNN_CHECK(cudnnAddTensor(gpu::Cudnn(), cudnn::One(), bias_desc_.get(), bias, cudnn::One(),
                                 on_x ? x_desc_.get() : y_desc_.get(), t));
}

void CudnnConv::BiasGradient(const float* dt, bool on_x, float* db) {
  CNN_CUDNN_CHECK(cudnnConvolutionBackwardBias(gpu::Cudnn(), cudnn::One(), on_x ? x_desc_.get() : y_desc_.get(), dt,
                                               cudnn::One(), bias_desc_.get(), db));
}

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
