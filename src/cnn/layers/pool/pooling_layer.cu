#include "cnn/layers/pool/pooling_layer.hpp"

#include <cfloat>

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/pool/ave_span.hpp"
#include "cnn/layers/pool/max_pool_step.hpp"

namespace cnn {
namespace {

// The layer's geometry, passed by value to every kernel.
struct Pool {
  int height, width;
  int pooled_h, pooled_w;
  int kernel_h, kernel_w;
  int stride_h, stride_w;
  int pad_h, pad_w;
};

// Output i as (plane, ph, pw). A blob's count is an int, so every index and
// offset within one fits 32-bit arithmetic (much cheaper than 64-bit division).
struct OutIndex {
  int plane, ph, pw;
};
__device__ OutIndex SplitOut(long long i, const Pool& s) {
  const int n = static_cast<int>(i);
  OutIndex o;
  o.pw = n % s.pooled_w;
  o.ph = (n / s.pooled_w) % s.pooled_h;
  o.plane = n / (s.pooled_w * s.pooled_h);
  return o;
}

// The outputs whose (unclipped) window [o * stride - pad, o * stride - pad +
// kernel) holds input position `pos` along one axis: [*lo, *hi).
__device__ void WindowsHolding(int pos, int stride, int pad, int kernel, int pooled, int* lo, int* hi) {
  const int shifted = pos + pad;
  *lo = shifted < kernel ? 0 : (shifted - kernel) / stride + 1;
  *hi = min(shifted / stride + 1, pooled);
}

// Row-major scan with the CPU's step, so both pick the same tap.
__global__ void MaxForwardKernel(long long n, const float* __restrict__ x, Pool s, float* __restrict__ y,
                                 int* __restrict__ index, float* __restrict__ mask) {
  CNN_KERNEL_LOOP(i, n) {
    const OutIndex o = SplitOut(i, s);
    const int h0 = max(o.ph * s.stride_h - s.pad_h, 0);
    const int h1 = min(o.ph * s.stride_h - s.pad_h + s.kernel_h, s.height);
    const int w0 = max(o.pw * s.stride_w - s.pad_w, 0);
    const int w1 = min(o.pw * s.stride_w - s.pad_w + s.kernel_w, s.width);
    const float* xp = x + o.plane * s.height * s.width;
    float best = xp[h0 * s.width + w0];
    int arg = h0 * s.width + w0;
    for (int h = h0; h < h1; ++h)
      for (int w = w0; w < w1; ++w) MaxPoolStep(xp[h * s.width + w], h * s.width + w, &best, &arg);
    y[i] = best;
    index[i] = arg;
    if (mask) mask[i] = static_cast<float>(arg);
  }
}

__global__ void AveForwardKernel(long long n, const float* __restrict__ x, Pool s, float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) {
    const OutIndex o = SplitOut(i, s);
    const AveSpan hs = AveSpanAt(o.ph, s.stride_h, s.pad_h, s.kernel_h, s.height);
    const AveSpan ws = AveSpanAt(o.pw, s.stride_w, s.pad_w, s.kernel_w, s.width);
    const float* xp = x + o.plane * s.height * s.width;
    float sum = 0.f;
    for (int h = hs.lo; h < hs.hi; ++h)
      for (int w = ws.lo; w < ws.hi; ++w) sum += xp[h * s.width + w];
    y[i] = sum / static_cast<float>(hs.extent * ws.extent);
  }
}

// STOCHASTIC windows have no padding (the layer refuses it) and are clipped
// at the bottom/right edge in ceil mode.
struct Window {
  int h0, h1, w0, w1;
};
__device__ Window StochasticWindow(const OutIndex& o, const Pool& s) {
  const int h0 = o.ph * s.stride_h;
  const int w0 = o.pw * s.stride_w;
  return Window{h0, min(h0 + s.kernel_h, s.height), w0, min(w0 + s.kernel_w, s.width)};
}

// Picks input i with probability x_i / sum(x), exactly as the CPU's
// ForwardStochasticTrain does given the same uniform draw u.
__global__ void StochasticTrainKernel(long long n, const float* __restrict__ x, Pool s,
                                      const float* __restrict__ u, float* __restrict__ y,
                                      int* __restrict__ index) {
  CNN_KERNEL_LOOP(i, n) {
    const OutIndex o = SplitOut(i, s);
    const Window win = StochasticWindow(o, s);
    const int W = s.width;
    const float* xp = x + o.plane * s.height * W;
    float total = 0.f;
    for (int h = win.h0; h < win.h1; ++h)
      for (int w = win.w0; w < win.w1; ++w) total += xp[h * W + w];
    const float threshold = u[i] * total;
    int chosen = -1, last_positive = win.h0 * W + win.w0;
    float running = 0.f;
    for (int h = win.h0; h < win.h1 && chosen < 0; ++h) {
      for (int w = win.w0; w < win.w1; ++w) {
        const float v = xp[h * W + w];
        if (v > 0.f) last_positive = h * W + w;
        running += v;
        if (running > threshold) {
          chosen = h * W + w;
          break;
        }
      }
    }
    if (chosen < 0) chosen = last_positive;
    index[i] = chosen;
    y[i] = xp[chosen];
  }
}

__global__ void StochasticTestKernel(long long n, const float* __restrict__ x, Pool s, float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) {
    const OutIndex o = SplitOut(i, s);
    const Window win = StochasticWindow(o, s);
    const float* xp = x + o.plane * s.height * s.width;
    float sum = 0.f, sum_sq = 0.f;
    for (int h = win.h0; h < win.h1; ++h) {
      for (int w = win.w0; w < win.w1; ++w) {
        const float v = xp[h * s.width + w];
        sum += v;
        sum_sq += v * v;
      }
    }
    y[i] = sum > 0.f ? sum_sq / sum : 0.f;
  }
}

__global__ void WindowSumKernel(long long n, const float* __restrict__ x, Pool s, float* __restrict__ sums) {
  CNN_KERNEL_LOOP(i, n) {
    const OutIndex o = SplitOut(i, s);
    const Window win = StochasticWindow(o, s);
    const float* xp = x + o.plane * s.height * s.width;
    float sum = 0.f;
    for (int h = win.h0; h < win.h1; ++h)
      for (int w = win.w0; w < win.w1; ++w) sum += xp[h * s.width + w];
    sums[i] = sum;
  }
}

// The backward kernels gather: one thread per input pixel visits the outputs
// whose windows hold it, in the order the CPU's scatter visits them, so the
// sums are the CPU's (bit for bit where the CPU adds the same terms) and no
// atomics are needed.
struct InIndex {
  int plane, h, w;
};
__device__ InIndex SplitIn(long long i, const Pool& s) {
  const int n = static_cast<int>(i);
  InIndex p;
  p.w = n % s.width;
  p.h = (n / s.width) % s.height;
  p.plane = n / (s.width * s.height);
  return p;
}

// MAX, and STOCHASTIC in TRAIN: the outputs whose recorded input is this pixel.
__global__ void IndexBackwardKernel(long long n, const float* __restrict__ dy, const int* __restrict__ index,
                                    Pool s, float* __restrict__ dx) {
  CNN_KERNEL_LOOP(i, n) {
    const InIndex p = SplitIn(i, s);
    int ph0, ph1, pw0, pw1;
    WindowsHolding(p.h, s.stride_h, s.pad_h, s.kernel_h, s.pooled_h, &ph0, &ph1);
    WindowsHolding(p.w, s.stride_w, s.pad_w, s.kernel_w, s.pooled_w, &pw0, &pw1);
    const int base = p.plane * s.pooled_h * s.pooled_w;
    const int target = p.h * s.width + p.w;
    float sum = 0.f;
    for (int ph = ph0; ph < ph1; ++ph) {
      for (int pw = pw0; pw < pw1; ++pw) {
        const int o = base + ph * s.pooled_w + pw;
        if (index[o] == target) sum += dy[o];
      }
    }
    dx[i] = sum;
  }
}

// A pixel inside the image lies in AveSpan's [lo, hi) of exactly the windows
// whose unclipped extent holds it.
__global__ void AveBackwardKernel(long long n, const float* __restrict__ dy, Pool s, float* __restrict__ dx) {
  CNN_KERNEL_LOOP(i, n) {
    const InIndex p = SplitIn(i, s);
    int ph0, ph1, pw0, pw1;
    WindowsHolding(p.h, s.stride_h, s.pad_h, s.kernel_h, s.pooled_h, &ph0, &ph1);
    WindowsHolding(p.w, s.stride_w, s.pad_w, s.kernel_w, s.pooled_w, &pw0, &pw1);
    const float* dyp = dy + p.plane * s.pooled_h * s.pooled_w;
    float sum = 0.f;
    for (int ph = ph0; ph < ph1; ++ph) {
      const int h_extent = AveSpanAt(ph, s.stride_h, s.pad_h, s.kernel_h, s.height).extent;
      for (int pw = pw0; pw < pw1; ++pw) {
        const int w_extent = AveSpanAt(pw, s.stride_w, s.pad_w, s.kernel_w, s.width).extent;
        sum += dyp[ph * s.pooled_w + pw] / static_cast<float>(h_extent * w_extent);
      }
    }
    dx[i] = sum;
  }
}

// STOCHASTIC in TEST: d/dx_i of sum(x^2) / sum(x) is (2 x_i - y) / sum(x),
// for windows with a positive sum (the others output 0 whatever x is).
__global__ void StochasticTestBackwardKernel(long long n, const float* __restrict__ x,
                                             const float* __restrict__ y, const float* __restrict__ dy,
                                             const float* __restrict__ sums, Pool s, float* __restrict__ dx) {
  CNN_KERNEL_LOOP(i, n) {
    const InIndex p = SplitIn(i, s);
    int ph0, ph1, pw0, pw1;
    WindowsHolding(p.h, s.stride_h, 0, s.kernel_h, s.pooled_h, &ph0, &ph1);
    WindowsHolding(p.w, s.stride_w, 0, s.kernel_w, s.pooled_w, &pw0, &pw1);
    const int base = p.plane * s.pooled_h * s.pooled_w;
    const float xi = x[i];
    float acc = 0.f;
    for (int ph = ph0; ph < ph1; ++ph) {
      for (int pw = pw0; pw < pw1; ++pw) {
        const int o = base + ph * s.pooled_w + pw;
        const float sum = sums[o];
        if (!(sum > 0.f)) continue;
        acc += dy[o] / sum * (2.f * xi - y[o]);
      }
    }
    dx[i] = acc;
  }
}

}  // namespace

void PoolingLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long outputs = top[0]->count();
  if (outputs == 0) return;
  const Pool s{height_, width_, pooled_h_, pooled_w_, kernel_h_, kernel_w_, stride_h_, stride_w_, pad_h_, pad_w_};
  const float* x = PoolInput(bottom, true).gpu_data();
  float* y = top[0]->mutable_gpu_data();
  const size_t index_bytes = static_cast<size_t>(outputs) * sizeof(int);
  if (method_ != PoolingParameter::AVE && (!gpu_index_ || gpu_index_->size() < index_bytes)) {
    gpu_index_ = std::make_unique<SyncedMemory>(index_bytes);
  }
  const int blocks = gpu::Blocks(outputs);
  switch (method_) {
    case PoolingParameter::MAX: {
      float* mask = top.size() > 1 ? top[1]->mutable_gpu_data() : nullptr;
      MaxForwardKernel<<<blocks, gpu::kThreads>>>(outputs, x, s, y, static_cast<int*>(gpu_index_->mutable_gpu_data()),
                                                  mask);
      if (mask && padded_.Wraps(bottom)) padded_.padding().ToSourceIndices(mask, outputs, true);
      break;
    }
    case PoolingParameter::AVE:
      AveForwardKernel<<<blocks, gpu::kThreads>>>(outputs, x, s, y);
      break;
    case PoolingParameter::STOCHASTIC:
      if (phase_ == TRAIN) {
        gpu_buffer_.Reshape({static_cast<int>(outputs)});
        float* u = gpu_buffer_.mutable_gpu_data();
        gpu_rng_uniform(static_cast<int>(outputs), 0.f, 1.f, u);
        StochasticTrainKernel<<<blocks, gpu::kThreads>>>(outputs, x, s, u, y,
                                                         static_cast<int*>(gpu_index_->mutable_gpu_data()));
      } else {
        StochasticTestKernel<<<blocks, gpu::kThreads>>>(outputs, x, s, y);
      }
      break;
    default:
      CNN_THROW(where() << "unknown pooling method " << static_cast<int>(method_));
  }
  CNN_KERNEL_CHECK();
}

void PoolingLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  Blob& in = PoolInputGrad(bottom);
  const long long inputs = in.count();
  if (inputs == 0) return;
  const Pool s{height_, width_, pooled_h_, pooled_w_, kernel_h_, kernel_w_, stride_h_, stride_w_, pad_h_, pad_w_};
  const float* dy = top[0]->gpu_diff();
  float* dx = in.mutable_gpu_diff();
  const int blocks = gpu::Blocks(inputs);
  if (method_ == PoolingParameter::AVE) {
    AveBackwardKernel<<<blocks, gpu::kThreads>>>(inputs, dy, s, dx);
  } else if (method_ == PoolingParameter::STOCHASTIC && phase_ != TRAIN) {
    const long long outputs = top[0]->count();
    gpu_buffer_.Reshape({static_cast<int>(outputs)});
    float* sums = gpu_buffer_.mutable_gpu_data();
    const float* x = in.gpu_data();
    WindowSumKernel<<<gpu::Blocks(outputs), gpu::kThreads>>>(outputs, x, s, sums);
    CNN_KERNEL_CHECK();
    StochasticTestBackwardKernel<<<blocks, gpu::kThreads>>>(inputs, x, top[0]->gpu_data(), dy, sums, s, dx);
  } else {
    CNN_CHECK(gpu_index_ != nullptr, where() << "backward on the GPU needs a GPU forward first");
    IndexBackwardKernel<<<blocks, gpu::kThreads>>>(inputs, dy, static_cast<const int*>(gpu_index_->gpu_data()), s,
                                                   dx);
  }
  CNN_KERNEL_CHECK();
  FoldInputGrad(bottom, true);
}

}  // namespace cnn
