#include "cnn/layers/conv/depthwise_conv.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cnn/core/parallel.hpp"

namespace cnn {
namespace {

// Every pass first copies the plane it reads into a zero-padded buffer, so
// the tap loops need no bounds checks. With stride 1 a whole plane is then
// one loop per tap: output (oh, ow) is computed at flat position oh * Wp + ow
// of a plane as wide as the padded input, where every tap reads the padded
// input at that position plus a fixed offset. The ext_w - 1 extra columns per
// row are thrown away (or held at zero where they would feed a sum); in
// exchange the loops run over OH * Wp elements instead of one short row,
// which is what makes 14x14 and 7x7 planes fast. Other strides loop per row.
struct Plane {
  int H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
  int Hp, Wp;      // padded input
  int64_t size;    // padded buffer, with slack for the stride-1 overrun
  int64_t wide;    // OH * Wp: the stride-1 output plane at the padded width
  explicit Plane(const ConvGeometry& g)
      : H(g.height), W(g.width), OH(g.out_h()), OW(g.out_w()), kh(g.kernel_h), kw(g.kernel_w), sh(g.stride_h),
        sw(g.stride_w), ph(g.pad_h), pw(g.pad_w), dh(g.dilation_h), dw(g.dilation_w), Hp(H + 2 * ph),
        Wp(W + 2 * pw) {
    // The last stride-1 position reads up to (OH - 1 + ext_h - 1) * Wp +
    // Wp - 1 + ext_w - 1 = Hp * Wp + ext_w - 2.
    size = static_cast<int64_t>(Hp) * Wp + g.extent_w();
    wide = static_cast<int64_t>(OH) * Wp;
  }
  int64_t offset(int i, int j) const { return static_cast<int64_t>(i) * dh * Wp + j * dw; }
  bool unit_stride() const { return sh == 1 && sw == 1; }
};

// Copies an H x W plane into the middle of a zeroed Hp x Wp buffer.
void Pad(const Plane& p, const float* x, float* xp) {
  std::fill(xp, xp + p.size, 0.f);
  for (int h = 0; h < p.H; ++h) {
    std::memcpy(xp + static_cast<int64_t>(h + p.ph) * p.Wp + p.pw, x + static_cast<int64_t>(h) * p.W,
                sizeof(float) * p.W);
  }
}

// Copies an OH x OW gradient plane to the padded width, zeros in the extra columns.
void Widen(const Plane& p, const float* y, float* yw) {
  for (int oh = 0; oh < p.OH; ++oh) {
    float* row = yw + static_cast<int64_t>(oh) * p.Wp;
    std::memcpy(row, y + static_cast<int64_t>(oh) * p.OW, sizeof(float) * p.OW);
    std::fill(row + p.OW, row + p.Wp, 0.f);
  }
}

// The stride-1 loops run over the wide plane in blocks of this many
// outputs, all taps per block: a block of the output and the few padded rows
// its taps read stay in L1 instead of being streamed once per tap (a 112x112
// plane is 50 KB).
constexpr int64_t kBlock = 1024;

}  // namespace

void DepthwiseForward(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                      const float* bias, float* out) {
  const Plane p(g);
  const int outputs = g.channels * multiplier;
  const int64_t planes = static_cast<int64_t>(num) * outputs;
  const int64_t in_plane = static_cast<int64_t>(p.H) * p.W, out_plane = static_cast<int64_t>(p.OH) * p.OW;
  const int taps = p.kh * p.kw;
#pragma omp parallel if (ParallelLoopPays(planes * out_plane * taps))
  {
    std::vector<float> xp(p.size), yw(p.unit_stride() ? p.wide : 0);
    int64_t padded = -1;  // the input plane xp holds
#pragma omp for schedule(static)
    for (int64_t q = 0; q < planes; ++q) {
      const int m = static_cast<int>(q % outputs);
      const int64_t n = q / outputs;
      // Consecutive output channels of one input channel reuse its padding.
      const int64_t source = n * g.channels + m / multiplier;
      if (source != padded) {
        Pad(p, in + source * in_plane, xp.data());
        padded = source;
      }
      const float* w = weight + static_cast<int64_t>(m) * taps;
      float* y = out + q * out_plane;
      const float b = bias ? bias[m] : 0.f;
      if (p.unit_stride()) {
        float* acc = yw.data();
        std::fill(acc, acc + p.wide, b);
        for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
          const int64_t len = std::min(kBlock, p.wide - t0);
          float* a = acc + t0;
          for (int i = 0; i < p.kh; ++i) {
            if (p.kw == 3) {  // MobileNet's kernel: a kernel row per store
              const float w0 = w[i * 3], w1 = w[i * 3 + 1], w2 = w[i * 3 + 2];
              const float* x0 = xp.data() + p.offset(i, 0) + t0;
              const float* x1 = x0 + p.dw;
              const float* x2 = x1 + p.dw;
#pragma omp simd
              for (int64_t t = 0; t < len; ++t) a[t] += w0 * x0[t] + w1 * x1[t] + w2 * x2[t];
              continue;
            }
            for (int j = 0; j < p.kw; ++j) {
              const float wv = w[i * p.kw + j];
              const float* xs = xp.data() + p.offset(i, j) + t0;
#pragma omp simd
              for (int64_t t = 0; t < len; ++t) a[t] += wv * xs[t];
            }
          }
        }
        for (int oh = 0; oh < p.OH; ++oh) {
          std::memcpy(y + static_cast<int64_t>(oh) * p.OW, acc + static_cast<int64_t>(oh) * p.Wp,
                      sizeof(float) * p.OW);
        }
        continue;
      }
      for (int oh = 0; oh < p.OH; ++oh) {
        float* yr = y + static_cast<int64_t>(oh) * p.OW;
        std::fill(yr, yr + p.OW, b);
        for (int i = 0; i < p.kh; ++i) {
          for (int j = 0; j < p.kw; ++j) {
            const float wv = w[i * p.kw + j];
            const float* xs = xp.data() + static_cast<int64_t>(oh) * p.sh * p.Wp + p.offset(i, j);
            const int s = p.sw, len = p.OW;
#pragma omp simd
            for (int ow = 0; ow < len; ++ow) yr[ow] += wv * xs[ow * s];
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
#pragma omp parallel if (ParallelLoopPays(planes * multiplier * out_plane * taps))
  {
    // The widened gradient sits between `slack` zeros on either side, which
    // the gathering form of a 3-wide kernel row below reads.
    const int64_t slack = static_cast<int64_t>(p.kw - 1) * p.dw;
    std::vector<float> dxp(p.size), yw(p.unit_stride() ? p.wide + 2 * slack : 0);
#pragma omp for schedule(static)
    for (int64_t q = 0; q < planes; ++q) {
      const int c = static_cast<int>(q % g.channels);
      const int64_t n = q / g.channels;
      std::fill(dxp.begin(), dxp.end(), 0.f);
      for (int k = 0; k < multiplier; ++k) {
        const int m = c * multiplier + k;
        const float* y = dy + (n * outputs + m) * out_plane;
        const float* w = weight + static_cast<int64_t>(m) * taps;
        if (p.unit_stride()) {
          Widen(p, y, yw.data() + slack);
          if (p.kw == 3) {
            // Pixel v of a kernel row's span gathers w_j * dy[v - j * dw]:
            // one store per kernel row instead of one per tap.
            const float* ys = yw.data() + slack;
            const int64_t span = p.wide + slack;
            for (int64_t v0 = 0; v0 < span; v0 += kBlock) {
              const int64_t len = std::min(kBlock, span - v0);
              const float* y0 = ys + v0;
              const float* y1 = y0 - p.dw;
              const float* y2 = y1 - p.dw;
              for (int i = 0; i < p.kh; ++i) {
                const float w0 = w[i * 3], w1 = w[i * 3 + 1], w2 = w[i * 3 + 2];
                float* xs = dxp.data() + p.offset(i, 0) + v0;
#pragma omp simd
                for (int64_t t = 0; t < len; ++t) xs[t] += w0 * y0[t] + w1 * y1[t] + w2 * y2[t];
              }
            }
            continue;
          }
          for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
            const int64_t len = std::min(kBlock, p.wide - t0);
            const float* src = yw.data() + slack + t0;
            for (int i = 0; i < p.kh; ++i) {
              for (int j = 0; j < p.kw; ++j) {
                const float wv = w[i * p.kw + j];
                float* xs = dxp.data() + p.offset(i, j) + t0;
#pragma omp simd
                for (int64_t t = 0; t < len; ++t) xs[t] += wv * src[t];
              }
            }
          }
          continue;
        }
        for (int oh = 0; oh < p.OH; ++oh) {
          const float* yr = y + static_cast<int64_t>(oh) * p.OW;
          for (int i = 0; i < p.kh; ++i) {
            for (int j = 0; j < p.kw; ++j) {
              const float wv = w[i * p.kw + j];
              float* xs = dxp.data() + static_cast<int64_t>(oh) * p.sh * p.Wp + p.offset(i, j);
              const int s = p.sw, len = p.OW;
              for (int ow = 0; ow < len; ++ow) xs[ow * s] += wv * yr[ow];
            }
          }
        }
      }
      float* x = dx + q * in_plane;
      for (int h = 0; h < p.H; ++h) {
        std::memcpy(x + static_cast<int64_t>(h) * p.W, dxp.data() + static_cast<int64_t>(h + p.ph) * p.Wp + p.pw,
                    sizeof(float) * p.W);
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
#pragma omp parallel if (ParallelLoopPays(static_cast<int64_t>(num) * outputs * out_plane * taps))
  {
    std::vector<float> xp(p.size), yw(p.unit_stride() ? p.wide : 0), acc(taps);
#pragma omp for schedule(static)
    for (int m = 0; m < outputs; ++m) {
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int n = 0; n < num; ++n) {
        Pad(p, in + (static_cast<int64_t>(n) * g.channels + m / multiplier) * in_plane, xp.data());
        const float* y = dy + (static_cast<int64_t>(n) * outputs + m) * out_plane;
        if (p.unit_stride()) {
          Widen(p, y, yw.data());
          for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
            const int64_t len = std::min(kBlock, p.wide - t0);
            const float* src = yw.data() + t0;
            for (int i = 0; i < p.kh; ++i) {
              if (p.kw == 3) {  // a kernel row per pass over the gradient
                const float* x0 = xp.data() + p.offset(i, 0) + t0;
                const float* x1 = x0 + p.dw;
                const float* x2 = x1 + p.dw;
                float s0 = 0.f, s1 = 0.f, s2 = 0.f;
#pragma omp simd reduction(+ : s0, s1, s2)
                for (int64_t t = 0; t < len; ++t) {
                  s0 += src[t] * x0[t];
                  s1 += src[t] * x1[t];
                  s2 += src[t] * x2[t];
                }
                acc[i * 3] += s0;
                acc[i * 3 + 1] += s1;
                acc[i * 3 + 2] += s2;
                continue;
              }
              for (int j = 0; j < p.kw; ++j) {
                const float* xs = xp.data() + p.offset(i, j) + t0;
                float sum = 0.f;
#pragma omp simd reduction(+ : sum)
                for (int64_t t = 0; t < len; ++t) sum += src[t] * xs[t];
                acc[i * p.kw + j] += sum;
              }
            }
          }
          continue;
        }
        for (int i = 0; i < p.kh; ++i) {
          for (int j = 0; j < p.kw; ++j) {
            float sum = 0.f;
            for (int oh = 0; oh < p.OH; ++oh) {
              const float* yr = y + static_cast<int64_t>(oh) * p.OW;
              const float* xs = xp.data() + static_cast<int64_t>(oh) * p.sh * p.Wp + p.offset(i, j);
              const int s = p.sw, len = p.OW;
#pragma omp simd reduction(+ : sum)
              for (int ow = 0; ow < len; ++ow) sum += yr[ow] * xs[ow * s];
            }
            acc[i * p.kw + j] += sum;
          }
        }
      }
      float* wd = weight_diff + static_cast<int64_t>(m) * taps;
      for (int t = 0; t < taps; ++t) wd[t] += acc[t];
    }
  }
}

}  // namespace cnn
