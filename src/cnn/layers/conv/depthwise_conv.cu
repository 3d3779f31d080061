#include "cnn/layers/conv/depthwise_conv.hpp"

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace {

struct Dims {
  int C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, mult;
  Dims(const ConvGeometry& g, int multiplier)
      : C(g.channels), H(g.height), W(g.width), OH(g.out_h()), OW(g.out_w()), kh(g.kernel_h), kw(g.kernel_w),
        sh(g.stride_h), sw(g.stride_w), ph(g.pad_h), pw(g.pad_w), dh(g.dilation_h), dw(g.dilation_w),
        mult(multiplier) {}
};

// One thread per output pixel (n, m, oh, ow).
__global__ void ForwardKernel(long long n, const float* __restrict__ in, Dims d, const float* __restrict__ weight,
                              const float* __restrict__ bias, float* __restrict__ out) {
  const int M = d.C * d.mult;
  CNN_KERNEL_LOOP(i, n) {
    const int ow = static_cast<int>(i % d.OW);
    const int oh = static_cast<int>((i / d.OW) % d.OH);
    const int m = static_cast<int>((i / (static_cast<long long>(d.OW) * d.OH)) % M);
    const long long img = i / (static_cast<long long>(d.OW) * d.OH * M);
    const float* x = in + (img * d.C + m / d.mult) * static_cast<long long>(d.H) * d.W;
    const float* w = weight + static_cast<long long>(m) * d.kh * d.kw;
    float sum = bias ? bias[m] : 0.f;
    for (int a = 0; a < d.kh; ++a) {
      const int ih = oh * d.sh + a * d.dh - d.ph;
      if (ih < 0 || ih >= d.H) continue;
      for (int b = 0; b < d.kw; ++b) {
        const int iw = ow * d.sw + b * d.dw - d.pw;
        if (iw >= 0 && iw < d.W) sum += w[a * d.kw + b] * x[ih * d.W + iw];
      }
    }
    out[i] = sum;
  }
}

// One thread per input pixel (n, c, ih, iw): it gathers every tap of the
// channel's `mult` outputs that read it.
__global__ void BackwardDataKernel(long long n, const float* __restrict__ dy, Dims d,
                                   const float* __restrict__ weight, float* __restrict__ dx) {
  const int M = d.C * d.mult;
  CNN_KERNEL_LOOP(i, n) {
    const int iw = static_cast<int>(i % d.W);
    const int ih = static_cast<int>((i / d.W) % d.H);
    const int c = static_cast<int>((i / (static_cast<long long>(d.W) * d.H)) % d.C);
    const long long img = i / (static_cast<long long>(d.W) * d.H * d.C);
    float sum = 0.f;
    for (int k = 0; k < d.mult; ++k) {
      const int m = c * d.mult + k;
      const float* y = dy + (img * M + m) * static_cast<long long>(d.OH) * d.OW;
      const float* w = weight + static_cast<long long>(m) * d.kh * d.kw;
      for (int a = 0; a < d.kh; ++a) {
        const int th = ih + d.ph - a * d.dh;
        if (th < 0 || th % d.sh != 0) continue;
        const int oh = th / d.sh;
        if (oh >= d.OH) continue;
        for (int b = 0; b < d.kw; ++b) {
          const int tw = iw + d.pw - b * d.dw;
          if (tw < 0 || tw % d.sw != 0) continue;
          const int ow = tw / d.sw;
          if (ow < d.OW) sum += w[a * d.kw + b] * y[oh * d.OW + ow];
        }
      }
    }
    dx[i] = sum;
  }
}

// One block per weight (m, a, b): the sum over images and output pixels.
__global__ void BackwardWeightKernel(int num, const float* __restrict__ dy, const float* __restrict__ in, Dims d,
                                     float* __restrict__ weight_diff) {
  __shared__ float partial[gpu::kThreads];
  const int M = d.C * d.mult;
  const int taps = d.kh * d.kw;
  const int m = blockIdx.x / taps;
  const int a = (blockIdx.x % taps) / d.kw;
  const int b = blockIdx.x % d.kw;
  const int out_plane = d.OH * d.OW;
  const long long total = static_cast<long long>(num) * out_plane;
  float sum = 0.f;
  for (long long t = threadIdx.x; t < total; t += blockDim.x) {
    const int img = static_cast<int>(t / out_plane);
    const int j = static_cast<int>(t % out_plane);
    const int oh = j / d.OW, ow = j % d.OW;
    const int ih = oh * d.sh + a * d.dh - d.ph;
    const int iw = ow * d.sw + b * d.dw - d.pw;
    if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
    sum += dy[(static_cast<long long>(img) * M + m) * out_plane + j] *
           in[((static_cast<long long>(img) * d.C + m / d.mult) * d.H + ih) * d.W + iw];
  }
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) weight_diff[blockIdx.x] += partial[0];
}

}  // namespace

void DepthwiseForwardGpu(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                         const float* bias, float* out) {
  const long long n = static_cast<long long>(num) * g.channels * multiplier * g.out_size();
  if (n == 0) return;
  ForwardKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, in, Dims(g, multiplier), weight, bias, out);
  CNN_KERNEL_CHECK();
}

void DepthwiseBackwardDataGpu(const float* dy, int num, const ConvGeometry& g, int multiplier, const float* weight,
                              float* dx) {
  const long long n = static_cast<long long>(num) * g.image_size();
  if (n == 0) return;
  BackwardDataKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, dy, Dims(g, multiplier), weight, dx);
  CNN_KERNEL_CHECK();
}

void DepthwiseBackwardWeightGpu(const float* dy, const float* in, int num, const ConvGeometry& g, int multiplier,
                                float* weight_diff) {
  const int blocks = g.channels * multiplier * g.kernel_h * g.kernel_w;
  if (blocks == 0 || num == 0) return;
  BackwardWeightKernel<<<blocks, gpu::kThreads>>>(num, dy, in, Dims(g, multiplier), weight_diff);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
