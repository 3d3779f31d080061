#include "cnn/layers/conv/depthwise_conv.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#include "cnn/core/parallel.hpp"

namespace cnn {
namespace {

// Every pass walks output rows and, per row, the kernel taps; the innermost
// loop runs along the row over the outputs whose tap is inside the image
// (DepthwiseTapRange), so it has no branch and vectorises (contiguous for
// stride 1, a strided gather otherwise).
struct Plane {
  int H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
  explicit Plane(const ConvGeometry& g)
      : H(g.height), W(g.width), OH(g.out_h()), OW(g.out_w()), kh(g.kernel_h), kw(g.kernel_w), sh(g.stride_h),
        sw(g.stride_w), ph(g.pad_h), pw(g.pad_w), dh(g.dilation_h), dw(g.dilation_w) {}
};

}  // namespace

void DepthwiseForward(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                      const float* bias, float* out) {
  const Plane p(g);
  const int outputs = g.channels * multiplier;
  const int64_t planes = static_cast<int64_t>(num) * outputs;
  const int64_t in_plane = static_cast<int64_t>(p.H) * p.W, out_plane = static_cast<int64_t>(p.OH) * p.OW;
  const int taps = p.kh * p.kw;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * out_plane * taps))
  for (int64_t q = 0; q < planes; ++q) {
    const int m = static_cast<int>(q % outputs);
    const int64_t n = q / outputs;
    const float* x = in + (n * g.channels + m / multiplier) * in_plane;
    const float* w = weight + static_cast<int64_t>(m) * taps;
    float* y = out + q * out_plane;
    const float b = bias ? bias[m] : 0.f;
    for (int oh = 0; oh < p.OH; ++oh) {
      float* yr = y + static_cast<int64_t>(oh) * p.OW;
      for (int ow = 0; ow < p.OW; ++ow) yr[ow] = b;
      for (int i = 0; i < p.kh; ++i) {
        const int ih = oh * p.sh + i * p.dh - p.ph;
        if (ih < 0 || ih >= p.H) continue;
        const float* xr = x + static_cast<int64_t>(ih) * p.W;
        for (int j = 0; j < p.kw; ++j) {
          const int off = j * p.dw - p.pw;
          int lo, hi;
          DepthwiseTapRange(p.OW, p.W, p.sw, off, &lo, &hi);
          const float wv = w[i * p.kw + j];
          const float* xs = xr + off;
          if (p.sw == 1) {
#pragma omp simd
            for (int ow = lo; ow < hi; ++ow) yr[ow] += wv * xs[ow];
          } else {
            const int s = p.sw;
#pragma omp simd
            for (int ow = lo; ow < hi; ++ow) yr[ow] += wv * xs[ow * s];
          }
        }
      }
    }
  }
}

void DepthwiseBackwardData(const float* dy, int num, const ConvGeometry& g, int multiplier, const float* weight,
                           float* dx) {
  const Plane p(g);
  const int outputs = g.channels * multiplier;
  const int64_t planes = static_cast<int64_t>(num) * g.channels;
  const int64_t in_plane = static_cast<int64_t>(p.H) * p.W, out_plane = static_cast<int64_t>(p.OH) * p.OW;
  const int taps = p.kh * p.kw;
  // One input plane per iteration: it gathers the gradients of its
  // `multiplier` output planes, so no two iterations write the same pixel.
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * multiplier * out_plane * taps))
  for (int64_t q = 0; q < planes; ++q) {
    const int c = static_cast<int>(q % g.channels);
    const int64_t n = q / g.channels;
    float* x = dx + q * in_plane;
    std::memset(x, 0, sizeof(float) * in_plane);
    for (int k = 0; k < multiplier; ++k) {
      const int m = c * multiplier + k;
      const float* y = dy + (n * outputs + m) * out_plane;
      const float* w = weight + static_cast<int64_t>(m) * taps;
      for (int oh = 0; oh < p.OH; ++oh) {
        const float* yr = y + static_cast<int64_t>(oh) * p.OW;
        for (int i = 0; i < p.kh; ++i) {
          const int ih = oh * p.sh + i * p.dh - p.ph;
          if (ih < 0 || ih >= p.H) continue;
          float* xr = x + static_cast<int64_t>(ih) * p.W;
          for (int j = 0; j < p.kw; ++j) {
            const int off = j * p.dw - p.pw;
            int lo, hi;
            DepthwiseTapRange(p.OW, p.W, p.sw, off, &lo, &hi);
            const float wv = w[i * p.kw + j];
            float* xs = xr + off;
            if (p.sw == 1) {
#pragma omp simd
              for (int ow = lo; ow < hi; ++ow) xs[ow] += wv * yr[ow];
            } else {
              const int s = p.sw;
              for (int ow = lo; ow < hi; ++ow) xs[ow * s] += wv * yr[ow];
            }
          }
        }
      }
    }
  }
}

void DepthwiseBackwardWeight(const float* dy, const float* in, int num, const ConvGeometry& g, int multiplier,
                             float* weight_diff) {
  const Plane p(g);
  const int outputs = g.channels * multiplier;
  const int64_t in_plane = static_cast<int64_t>(p.H) * p.W, out_plane = static_cast<int64_t>(p.OH) * p.OW;
  const int taps = p.kh * p.kw;
  // One output channel per iteration: it owns its taps' sums, which run over
  // the images in order, so the result does not depend on the threads.
#pragma omp parallel for schedule(static) if (ParallelLoopPays(static_cast<int64_t>(num) * outputs * out_plane * taps))
  for (int m = 0; m < outputs; ++m) {
    std::vector<float> acc(taps, 0.f);
    for (int n = 0; n < num; ++n) {
      const float* x = in + (static_cast<int64_t>(n) * g.channels + m / multiplier) * in_plane;
      const float* y = dy + (static_cast<int64_t>(n) * outputs + m) * out_plane;
      for (int oh = 0; oh < p.OH; ++oh) {
        const float* yr = y + static_cast<int64_t>(oh) * p.OW;
        for (int i = 0; i < p.kh; ++i) {
          const int ih = oh * p.sh + i * p.dh - p.ph;
          if (ih < 0 || ih >= p.H) continue;
          const float* xr = x + static_cast<int64_t>(ih) * p.W;
          for (int j = 0; j < p.kw; ++j) {
            const int off = j * p.dw - p.pw;
            int lo, hi;
            DepthwiseTapRange(p.OW, p.W, p.sw, off, &lo, &hi);
            const float* xs = xr + off;
            float sum = 0.f;
            if (p.sw == 1) {
#pragma omp simd reduction(+ : sum)
              for (int ow = lo; ow < hi; ++ow) sum += yr[ow] * xs[ow];
            } else {
              const int s = p.sw;
#pragma omp simd reduction(+ : sum)
              for (int ow = lo; ow < hi; ++ow) sum += yr[ow] * xs[ow * s];
            }
            acc[i * p.kw + j] += sum;
          }
        }
      }
    }
    float* wd = weight_diff + static_cast<int64_t>(m) * taps;
    for (int t = 0; t < taps; ++t) wd[t] += acc[t];
  }
}

}  // namespace cnn
