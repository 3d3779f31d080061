#ifdef CNN_WITH_CUDNN

#include "cnn/layers/conv/cudnn_convolution_layer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
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

std::string ShapeString(const std::vector<int>& shape) {
  std::string s;
  for (int d : shape) s += (s.empty() ? "" : " ") + std::to_string(d);
  return s;
}

bool IsTensorOpMath(cudnnMathType_t math) {
  return math == CUDNN_TENSOR_OP_MATH || math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// The first usable entry of cuDNN's results, which come fastest first (timed
// for Find, predicted for the heuristics).
template <typename Perf>
bool PickFastest(const std::vector<Perf>& perf, int returned, size_t limit, bool strict_fp32,
                 CudnnConvAlgo* out) {
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
bool FindOrGuess(int max_count, size_t limit, bool strict_fp32, Find find, Heuristic heuristic,
                 CudnnConvAlgo* out) {
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

}  // namespace

cudnnMathType_t CudnnConvMath() { return AllowTf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH; }

void CudnnConvolutionLayer::SetMath(const Algo& algo) {
  CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), algo.math));
}

void CudnnConvolutionLayer::Prepare(const Blob& bottom) {
  if (!fixed_set_) {
    math_ = CudnnConvMath();
    cudnn::SetFilter4d(filter_desc_.get(), num_output_, geom_.channels / group_, geom_.kernel_h, geom_.kernel_w);
    cudnn::SetTensor4d(bias_desc_.get(), 1, num_output_, 1, 1);
    // Caffe's convolution is a cross-correlation (no kernel flip).
    CNN_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv_.get(), geom_.pad_h, geom_.pad_w, geom_.stride_h,
                                                    geom_.stride_w, geom_.dilation_h, geom_.dilation_w,
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CNN_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_.get(), group_));
    CNN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_.get(), math_));
    fixed_set_ = true;
  }
  if (bottom.shape() == shape_) return;
  // Axes before the channel axis fold into the batch: the memory is the same.
  cudnn::SetTensor4d(bottom_desc_.get(), num_, geom_.channels, geom_.height, geom_.width);
  cudnn::SetTensor4d(top_desc_.get(), num_, num_output_, geom_.out_h(), geom_.out_w());
  int n = 0, c = 0, h = 0, w = 0;
  CNN_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(conv_.get(), bottom_desc_.get(), filter_desc_.get(), &n, &c, &h, &w));
  CNN_CHECK(n == num_ && c == num_output_ && h == geom_.out_h() && w == geom_.out_w(),
            where() << "cuDNN computes an output of " << n << "x" << c << "x" << h << "x" << w << " for input "
                    << bottom.shape_string() << ", expected " << num_ << "x" << num_output_ << "x" << geom_.out_h()
                    << "x" << geom_.out_w());
  for (Algo& a : algo_) a = Algo();
  shape_ = bottom.shape();
}

namespace {

CudnnConvAlgo Choose(CudnnConvPass pass, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
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
  CNN_CHECK(found, where << "cuDNN offers no " << kPassNames[static_cast<int>(pass)] << " convolution algorithm for input "
                           << shape << " within the " << (limit >> 20)
                           << " MiB workspace limit; use engine: CAFFE for this layer");
  return algo;
}

}  // namespace

CudnnConvAlgo FindCudnnConvAlgo(CudnnConvPass pass, const std::vector<int>& geometry, cudnnTensorDescriptor_t x,
                                cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t conv,
                                cudnnTensorDescriptor_t y, cudnnMathType_t math, const std::string& where,
                                const std::string& shape) {
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
  const CudnnConvAlgo algo = Choose(pass, x, w, conv, y, math, where, shape);
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.choices[key] = algo;
  return algo;
}

const CudnnConvolutionLayer::Algo& CudnnConvolutionLayer::AlgoFor(Pass pass) {
  Algo& slot = algo_[static_cast<int>(pass)];
  if (slot.algo >= 0) return slot;
  slot = FindCudnnConvAlgo(pass,
                           {num_, geom_.channels, geom_.height, geom_.width, num_output_, geom_.kernel_h,
                            geom_.kernel_w, geom_.pad_h, geom_.pad_w, geom_.stride_h, geom_.stride_w,
                            geom_.dilation_h, geom_.dilation_w, group_},
                           bottom_desc_.get(), filter_desc_.get(), conv_.get(), top_desc_.get(), math_, where(),
                           ShapeString(shape_));
  return slot;
}

void CudnnConvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;  // cuDNN rejects empty tensors
  Prepare(*bottom[0]);
  const Algo& algo = AlgoFor(Pass::kForward);
  cudnnHandle_t handle = gpu::Cudnn();
  void* workspace = algo.bytes > 0 ? gpu::SharedWorkspace(algo.bytes) : nullptr;
  SetMath(algo);
  const float* weight = blobs_[0]->gpu_data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    float* y = top[i]->mutable_gpu_data();
    CNN_CUDNN_CHECK(cudnnConvolutionForward(
        handle, cudnn::One(), bottom_desc_.get(), bottom[i]->gpu_data(), filter_desc_.get(), weight, conv_.get(),
        static_cast<cudnnConvolutionFwdAlgo_t>(algo.algo), workspace, algo.bytes, cudnn::Zero(), top_desc_.get(), y));
    if (bias_term_) {
      CNN_CUDNN_CHECK(cudnnAddTensor(handle, cudnn::One(), bias_desc_.get(), blobs_[1]->gpu_data(), cudnn::One(),
                                     top_desc_.get(), y));
    }
  }
}

void CudnnConvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                         const BlobVec& bottom) {
  if (top[0]->count() == 0 || bottom[0]->count() == 0) return;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!weight_grad && !bias_grad && !data_grad) return;
  Prepare(*bottom[0]);
  // Chosen before the workspace is taken: a search allocates and frees.
  const Algo none{};
  const Algo& filter_algo = weight_grad ? AlgoFor(Pass::kBackwardFilter) : none;
  const Algo& data_algo = data_grad ? AlgoFor(Pass::kBackwardData) : none;
  const size_t bytes = std::max(filter_algo.bytes, data_algo.bytes);
  void* workspace = bytes > 0 ? gpu::SharedWorkspace(bytes) : nullptr;
  cudnnHandle_t handle = gpu::Cudnn();
  const float* weight = blobs_[0]->gpu_data();
  float* weight_diff = weight_grad ? blobs_[0]->mutable_gpu_diff() : nullptr;
  float* bias_diff = bias_grad ? blobs_[1]->mutable_gpu_diff() : nullptr;
  for (size_t i = 0; i < top.size(); ++i) {
    if (!weight_grad && !bias_grad && !propagate_down[i]) continue;
    const float* dy = top[i]->gpu_diff();
    // Parameter gradients accumulate (beta = 1): over the bottoms sharing
    // the weights and over iter_size steps. The bottom diff is overwritten.
    if (bias_grad) {
      CNN_CUDNN_CHECK(cudnnConvolutionBackwardBias(handle, cudnn::One(), top_desc_.get(), dy, cudnn::One(),
                                                   bias_desc_.get(), bias_diff));
    }
    if (weight_grad) {
      SetMath(filter_algo);
      CNN_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
          handle, cudnn::One(), bottom_desc_.get(), bottom[i]->gpu_data(), top_desc_.get(), dy, conv_.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(filter_algo.algo), workspace, filter_algo.bytes, cudnn::One(),
          filter_desc_.get(), weight_diff));
    }
    if (propagate_down[i]) {
      SetMath(data_algo);
      CNN_CUDNN_CHECK(cudnnConvolutionBackwardData(
          handle, cudnn::One(), filter_desc_.get(), weight, top_desc_.get(), dy, conv_.get(),
          static_cast<cudnnConvolutionBwdDataAlgo_t>(data_algo.algo), workspace, data_algo.bytes, cudnn::Zero(),
          bottom_desc_.get(), bottom[i]->mutable_gpu_diff()));
    }
  }
}

CNN_REGISTER_LAYER_ENGINE(Convolution, CUDNN, CudnnConvolutionLayer);

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
