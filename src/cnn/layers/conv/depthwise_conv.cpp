#include "cnn/layers/conv/depthwise_conv.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cnn/core/parallel.hpp"

namespace cnn {
namespace {

// Every pass first copies the plane it reads into a zero-padded buffer, so
// the tap loops need no bounds checks, and splits it by stride phase: phase
// (a, b) holds the padded pixels (r * sh + a, c * sw + b) as an Hq x Wq
// plane. Tap (i, j) of output (oh, ow) then reads phase (i*dh % sh, j*dw %
// sw) at (oh + i*dh / sh, ow + j*dw / sw): a fixed offset from oh * Wq + ow.
// So with any stride a whole output plane is one loop per tap, computed at
// flat position oh * Wq + ow of a plane as wide as a phase; the Wq - OW
// extra columns per row are thrown away (or held at zero where they would
// feed a sum). The loops run over OH * Wq elements instead of one short,
// strided row, which is what makes 14x14 and 7x7 planes and stride 2 fast.
// With stride 1 the single phase is the padded plane itself.
struct Plane {
  int H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
  int Hp, Wp;           // padded input
  int Hq, Wq;           // one stride phase
  int64_t padded_size;  // padded buffer
  int64_t phase_size;   // one phase, with slack for the reads of the extra columns
  int64_t wide;         // OH * Wq: the output plane at the phase width
  explicit Plane(const ConvGeometry& g)
      : H(g.height), W(g.width), OH(g.out_h()), OW(g.out_w()), kh(g.kernel_h), kw(g.kernel_w), sh(g.stride_h),
        sw(g.stride_w), ph(g.pad_h), pw(g.pad_w), dh(g.dilation_h), dw(g.dilation_w), Hp(H + 2 * ph),
        Wp(W + 2 * pw), Hq((Hp + sh - 1) / sh), Wq((Wp + sw - 1) / sw) {
    // Flat position t < OH * Wq plus the largest tap offset stays below
    // Hq * Wq + (kw - 1) * dw / sw + 1.
    phase_size = static_cast<int64_t>(Hq) * Wq + static_cast<int64_t>(kw - 1) * dw / sw + 1;
    padded_size = unit_stride() ? phase_size : static_cast<int64_t>(Hp) * Wp;
    wide = static_cast<int64_t>(OH) * Wq;
  }
  bool unit_stride() const { return sh == 1 && sw == 1; }
  int phases() const { return sh * sw; }
  // Offset of tap (i, j) into the phase buffer `phases()` * phase_size.
  int64_t tap(int i, int j) const {
    const int a = i * dh % sh, b = j * dw % sw;
    return (a * sw + b) * phase_size + static_cast<int64_t>(i * dh / sh) * Wq + j * dw / sw;
  }
};

// Thread-local buffers: the padded plane and its phases (the same buffer
// when the stride is 1), and a wide output or gradient plane.
struct Buffers {
  std::vector<float> padded, phase, wide;
  explicit Buffers(const Plane& p)
      : padded(p.unit_stride() ? 0 : p.padded_size), phase(p.phases() * p.phase_size), wide(p.wide) {}
  float* padded_plane() { return padded.empty() ? phase.data() : padded.data(); }
};

// Input plane x (H x W) into the phases.
void Split(const Plane& p, const float* x, Buffers* buf) {
  float* xp = buf->padded_plane();
  std::fill(xp, xp + p.padded_size, 0.f);
  for (int h = 0; h < p.H; ++h) {
    std::memcpy(xp + static_cast<int64_t>(h + p.ph) * p.Wp + p.pw, x + static_cast<int64_t>(h) * p.W,
                sizeof(float) * p.W);
  }
  if (p.unit_stride()) return;
  float* out = buf->phase.data();
  std::fill(out, out + buf->phase.size(), 0.f);
  for (int a = 0; a < p.sh; ++a) {
    for (int b = 0; b < p.sw; ++b) {
      float* q = out + (a * p.sw + b) * p.phase_size;
      for (int r = 0; r * p.sh + a < p.Hp; ++r) {
        const float* src = xp + static_cast<int64_t>(r * p.sh + a) * p.Wp + b;
        float* dst = q + static_cast<int64_t>(r) * p.Wq;
        const int n = (p.Wp - b + p.sw - 1) / p.sw;
        for (int c = 0; c < n; ++c) dst[c] = src[c * p.sw];
      }
    }
  }
}

// The phases' gradient back onto the input plane dx (H x W), overwriting it:
// Split's copies in reverse, phase by phase, skipping the padding.
void Merge(const Plane& p, const float* phases, float* dx) {
  if (p.unit_stride()) {
    for (int h = 0; h < p.H; ++h) {
      std::memcpy(dx + static_cast<int64_t>(h) * p.W, phases + static_cast<int64_t>(h + p.ph) * p.Wp + p.pw,
                  sizeof(float) * p.W);
    }
    return;
  }
  for (int a = 0; a < p.sh; ++a) {
    for (int b = 0; b < p.sw; ++b) {
      const float* q = phases + (a * p.sw + b) * p.phase_size;
      // Padded column c * sw + b is input column c * sw + b - pw.
      const int c0 = p.pw > b ? (p.pw - b + p.sw - 1) / p.sw : 0;
      for (int r = 0; r * p.sh + a < p.Hp; ++r) {
        const int h = r * p.sh + a - p.ph;
        if (h < 0 || h >= p.H) continue;
        const float* src = q + static_cast<int64_t>(r) * p.Wq;
        float* row = dx + static_cast<int64_t>(h) * p.W;
        for (int c = c0; c * p.sw + b - p.pw < p.W; ++c) row[c * p.sw + b - p.pw] = src[c];
      }
    }
  }
}

// An OH x OW gradient plane at the phase width, zeros in the extra columns.
void Widen(const Plane& p, const float* y, float* yw) {
  for (int oh = 0; oh < p.OH; ++oh) {
    float* row = yw + static_cast<int64_t>(oh) * p.Wq;
    std::memcpy(row, y + static_cast<int64_t>(oh) * p.OW, sizeof(float) * p.OW);
    std::fill(row + p.OW, row + p.Wq, 0.f);
  }
}

// The wide loops run in blocks of this many outputs, all taps per block: a
// block of the output and the few rows its taps read stay in L1 instead of
// being streamed once per tap (a 112x112 plane is 50 KB).
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
    Buffers buf(p);
    int64_t split = -1;  // the input plane the phases hold
#pragma omp for schedule(static)
    for (int64_t q = 0; q < planes; ++q) {
      const int m = static_cast<int>(q % outputs);
      const int64_t n = q / outputs;
      // Consecutive output channels of one input channel reuse its phases.
      const int64_t source = n * g.channels + m / multiplier;
      if (source != split) {
        Split(p, in + source * in_plane, &buf);
        split = source;
      }
      const float* x = buf.phase.data();
      const float* w = weight + static_cast<int64_t>(m) * taps;
      float* acc = buf.wide.data();
      std::fill(acc, acc + p.wide, bias ? bias[m] : 0.f);
      for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
        const int64_t len = std::min(kBlock, p.wide - t0);
        float* a = acc + t0;
        for (int i = 0; i < p.kh; ++i) {
          if (p.kw == 3) {  // MobileNet's kernel: a kernel row per store
            const float w0 = w[i * 3], w1 = w[i * 3 + 1], w2 = w[i * 3 + 2];
            const float* x0 = x + p.tap(i, 0) + t0;
            const float* x1 = x + p.tap(i, 1) + t0;
            const float* x2 = x + p.tap(i, 2) + t0;
#pragma omp simd
            for (int64_t t = 0; t < len; ++t) a[t] += w0 * x0[t] + w1 * x1[t] + w2 * x2[t];
            continue;
          }
          for (int j = 0; j < p.kw; ++j) {
            const float wv = w[i * p.kw + j];
            const float* xs = x + p.tap(i, j) + t0;
#pragma omp simd
            for (int64_t t = 0; t < len; ++t) a[t] += wv * xs[t];
          }
        }
      }
      float* y = out + q * out_plane;
      for (int oh = 0; oh < p.OH; ++oh) {
        std::memcpy(y + static_cast<int64_t>(oh) * p.OW, acc + static_cast<int64_t>(oh) * p.Wq,
                    sizeof(float) * p.OW);
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
    // With stride 1 the widened gradient sits between `slack` zeros on
    // either side, which the gathering form of a 3-wide kernel row reads.
    const int64_t slack = p.unit_stride() ? static_cast<int64_t>(p.kw - 1) * p.dw : 0;
    std::vector<float> dphase(p.phases() * p.phase_size), yw(p.wide + 2 * slack);
#pragma omp for schedule(static)
    for (int64_t q = 0; q < planes; ++q) {
      const int c = static_cast<int>(q % g.channels);
      const int64_t n = q / g.channels;
      std::fill(dphase.begin(), dphase.end(), 0.f);
      float* dxp = dphase.data();
      for (int k = 0; k < multiplier; ++k) {
        const int m = c * multiplier + k;
        const float* w = weight + static_cast<int64_t>(m) * taps;
        Widen(p, dy + (n * outputs + m) * out_plane, yw.data() + slack);
        const float* ys = yw.data() + slack;
        if (p.unit_stride() && p.kw == 3) {
          // Pixel v of a kernel row's span gathers w_j * dy[v - j * dw]:
          // one store per kernel row instead of one per tap.
          const int64_t span = p.wide + slack;
          for (int64_t v0 = 0; v0 < span; v0 += kBlock) {
            const int64_t len = std::min(kBlock, span - v0);
            const float* y0 = ys + v0;
            const float* y1 = y0 - p.dw;
            const float* y2 = y1 - p.dw;
            for (int i = 0; i < p.kh; ++i) {
              const float w0 = w[i * 3], w1 = w[i * 3 + 1], w2 = w[i * 3 + 2];
              float* xs = dxp + p.tap(i, 0) + v0;
#pragma omp simd
              for (int64_t t = 0; t < len; ++t) xs[t] += w0 * y0[t] + w1 * y1[t] + w2 * y2[t];
            }
          }
          continue;
        }
        for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
          const int64_t len = std::min(kBlock, p.wide - t0);
          const float* src = ys + t0;
          for (int i = 0; i < p.kh; ++i) {
            for (int j = 0; j < p.kw; ++j) {
              const float wv = w[i * p.kw + j];
              float* xs = dxp + p.tap(i, j) + t0;
#pragma omp simd
              for (int64_t t = 0; t < len; ++t) xs[t] += wv * src[t];
            }
          }
        }
      }
      Merge(p, dxp, dx + q * in_plane);
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
    Buffers buf(p);
    std::vector<float> acc(taps);
#pragma omp for schedule(static)
    for (int m = 0; m < outputs; ++m) {
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int n = 0; n < num; ++n) {
        Split(p, in + (static_cast<int64_t>(n) * g.channels + m / multiplier) * in_plane, &buf);
        Widen(p, dy + (static_cast<int64_t>(n) * outputs + m) * out_plane, buf.wide.data());
        const float* x = buf.phase.data();
        for (int64_t t0 = 0; t0 < p.wide; t0 += kBlock) {
          const int64_t len = std::min(kBlock, p.wide - t0);
          const float* src = buf.wide.data() + t0;
          for (int i = 0; i < p.kh; ++i) {
            if (p.kw == 3) {  // a kernel row per pass over the gradient
              const float* x0 = x + p.tap(i, 0) + t0;
              const float* x1 = x + p.tap(i, 1) + t0;
              const float* x2 = x + p.tap(i, 2) + t0;
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
              const float* xs = x + p.tap(i, j) + t0;
              float sum = 0.f;
#pragma omp simd reduction(+ : sum)
              for (int64_t t = 0; t < len; ++t) sum += src[t] * xs[t];
              acc[i * p.kw + j] += sum;
            }
          }
        }
      }
      float* wd = weight_diff + static_cast<int64_t>(m) * taps;
      for (int t = 0; t < taps; ++t) wd[t] += acc[t];
    }
  }
}

}  // namespace cnn
