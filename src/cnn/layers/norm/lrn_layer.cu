#include "cnn/layers/norm/lrn_layer.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// x * s^-beta, with the CPU's shortcut for beta = 0.75 (the same correctly
// rounded operations, so the same value).
__device__ float ScaledPower(float x, float s, float beta) {
  if (beta == 0.75f) {
    const float r = 1.f / sqrtf(s);
    return x * r * sqrtf(r);
  }
  return x * powf(s, -beta);
}

// One thread per (image, pixel) walks the channels with the CPU's sliding
// window sum: add the entering channel, drop the leaving one.
__global__ void CrossChannelForwardKernel(long long n, int channels, int hw, int pre_pad, float k, float a,
                                          float beta, const float* __restrict__ x, float* __restrict__ scale,
                                          float* __restrict__ y) {
  CNN_KERNEL_LOOP(t, n) {
    const long long base = (t / hw) * channels * hw + t % hw;
    const float* xs = x + base;
    float* ss = scale + base;
    float* ys = y + base;
    float acc = 0.f;
    for (int c = 0; c < min(pre_pad, channels); ++c) {
      const float v = xs[static_cast<long long>(c) * hw];
      acc += v * v;
    }
    for (int c = 0; c < channels; ++c) {
      const int enter = c + pre_pad;
      const int leave = c - pre_pad - 1;
      if (enter < channels) {
        const float v = xs[static_cast<long long>(enter) * hw];
        acc += v * v;
      }
      if (leave >= 0) {
        const float v = xs[static_cast<long long>(leave) * hw];
        acc -= v * v;
      }
      const long long off = static_cast<long long>(c) * hw;
      const float s = k + a * acc;
      ss[off] = s;
      ys[off] = ScaledPower(xs[off], s, beta);
    }
  }
}

// ratio = dy * y / scale over the whole blob; written completely before any
// bottom diff (which is dy itself when the layer runs in place).
__global__ void RatioKernel(long long n, const float* dy, const float* y, const float* scale, float* ratio) {
  CNN_KERNEL_LOOP(i, n) ratio[i] = dy[i] * y[i] / scale[i];
}

// dx_c = dy_c s_c^-beta - coeff x_c sum_{c' in window(c)} ratio_c'. dy and dx
// may be the same array: each thread reads dy at an element before writing
// dx there, and reads no other element of either.
__global__ void CrossChannelBackwardKernel(long long n, int channels, int hw, int pre_pad, float coeff,
                                           float beta, const float* x, const float* scale, const float* ratio,
                                           const float* dy, float* dx) {
  CNN_KERNEL_LOOP(t, n) {
    const long long base = (t / hw) * channels * hw + t % hw;
    const float* rs = ratio + base;
    float acc = 0.f;
    for (int c = 0; c < min(pre_pad, channels); ++c) acc += rs[static_cast<long long>(c) * hw];
    for (int c = 0; c < channels; ++c) {
      const int enter = c + pre_pad;
      const int leave = c - pre_pad - 1;
      if (enter < channels) acc += rs[static_cast<long long>(enter) * hw];
      if (leave >= 0) acc -= rs[static_cast<long long>(leave) * hw];
      const long long i = base + static_cast<long long>(c) * hw;
      const float d = dy[i];
      dx[i] = ScaledPower(d, scale[i], beta) - coeff * x[i] * acc;
    }
  }
}

// The sum of `in` over the size x size window centred on element i of its
// plane, zero beyond the edges.
__device__ float BoxSum(const float* in, long long i, int height, int width, int pre_pad, bool square) {
  const int w = static_cast<int>(i % width);
  const int h = static_cast<int>((i / width) % height);
  const float* plane = in + (i - (static_cast<long long>(h) * width + w));
  const int h0 = max(h - pre_pad, 0), h1 = min(h + pre_pad + 1, height);
  const int w0 = max(w - pre_pad, 0), w1 = min(w + pre_pad + 1, width);
  float sum = 0.f;
  for (int r = h0; r < h1; ++r) {
    for (int q = w0; q < w1; ++q) {
      const float v = plane[static_cast<long long>(r) * width + q];
      sum += square ? v * v : v;
    }
  }
  return sum;
}

__global__ void WithinChannelForwardKernel(long long n, int height, int width, int pre_pad, float a, float beta,
                                           const float* __restrict__ x, float* __restrict__ scale,
                                           float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) {
    const float s = 1.f + a * BoxSum(x, i, height, width, pre_pad, true);
    scale[i] = s;
    y[i] = ScaledPower(x[i], s, beta);
  }
}

// As CrossChannelBackwardKernel, over the spatial window; dy and dx may alias.
__global__ void WithinChannelBackwardKernel(long long n, int height, int width, int pre_pad, float coeff,
                                            float beta, const float* x, const float* scale, const float* ratio,
                                            const float* dy, float* dx) {
  CNN_KERNEL_LOOP(i, n) {
    const float acc = BoxSum(ratio, i, height, width, pre_pad, false);
    const float d = dy[i];
    dx[i] = ScaledPower(d, scale[i], beta) - coeff * x[i] * acc;
  }
}

}  // namespace

void LRNLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  const long long count = bottom[0]->count();
  if (count == 0) return;
  const float* x = bottom[0]->gpu_data();
  if (top[0] == bottom[0]) {
    // The top overwrites the input, which backward (and the channel walk,
    // reading channels already written) still needs.
    gpu_copy(static_cast<int>(count), x, bottom_copy_.mutable_gpu_data());
    x = bottom_copy_.gpu_data();
  }
  float* y = top[0]->mutable_gpu_data();
  float* scale = scale_.mutable_gpu_data();
  const int hw = height_ * width_;
  if (region_ == LRNParameter::ACROSS_CHANNELS) {
    const long long n = static_cast<long long>(num_) * hw;
    CrossChannelForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, channels_, hw, pre_pad_, k_, alpha_ / size_,
                                                                 beta_, x, scale, y);
  } else {
    const float a = alpha_ / static_cast<float>(size_ * size_);
    WithinChannelForwardKernel<<<gpu::Blocks(count), gpu::kThreads>>>(count, height_, width_, pre_pad_, a, beta_, x,
                                                                      scale, y);
  }
  CNN_KERNEL_CHECK();
}

void LRNLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) {
  const long long count = bottom[0]->count();
  if (!propagate_down[0] || count == 0) return;
  const float* x = top[0] == bottom[0] ? bottom_copy_.gpu_data() : bottom[0]->gpu_data();
  const float* y = top[0]->gpu_data();
  const float* dy = top[0]->gpu_diff();
  const float* scale = scale_.gpu_data();
  // scale_'s diff is otherwise unused: it holds the ratio.
  float* ratio = scale_.mutable_gpu_diff();
  float* dx = bottom[0]->mutable_gpu_diff();
  RatioKernel<<<gpu::Blocks(count), gpu::kThreads>>>(count, dy, y, scale, ratio);
  CNN_KERNEL_CHECK();
  const int hw = height_ * width_;
  if (region_ == LRNParameter::ACROSS_CHANNELS) {
    const long long n = static_cast<long long>(num_) * hw;
    const float coeff = 2.f * alpha_ * beta_ / size_;
    CrossChannelBackwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, channels_, hw, pre_pad_, coeff, beta_, x,
                                                                  scale, ratio, dy, dx);
  } else {
    const float coeff = 2.f * alpha_ * beta_ / static_cast<float>(size_ * size_);
    WithinChannelBackwardKernel<<<gpu::Blocks(count), gpu::kThreads>>>(count, height_, width_, pre_pad_, coeff,
                                                                       beta_, x, scale, ratio, dy, dx);
  }
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
