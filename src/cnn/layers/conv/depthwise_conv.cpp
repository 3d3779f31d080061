#include "cnn/layers/conv/depthwise_conv.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cnn/core/parallel.hpp"
#include "cnn/core/simd_clones.hpp"

namespace cnn {
namespace {

// Every pass first copies the plane it reads into zero-padded stride phases,
// so the tap loops need no bounds checks: phase
// (a, b) holds the padded pixels (r * sh + a, c * sw + b) as an Hq x Wq
// plane. Tap (i, j) of output (oh, ow) then reads phase (i*dh % sh, j*dw %
// sw) at (oh + i*dh / sh, ow + j*dw / sw): a fixed offset from oh * Wq + ow.
// So with any stride a whole output plane is one loop per tap, computed at
// flat position oh * Wq + ow of a plane as wide as a phase; the Wq - OW
// extra columns per row are thrown away (or held at zero where they would
// feed a sum). The loops run over OH * Wq elements instead of one short,
// strided row, which is what makes 14x14 and 7x7 planes and stride 2 fast.
// With stride 1 the single phase is the padded plane itself.
//
// Small planes (MobileNet's 14x14 and 7x7, and stride 2 up to 28x28) are
// stacked: `stack` images of one channel, which share the weights, one
// below the other, image b's rows starting at row b * pitch of a tall plane,
// zero rows between them. The pitch leaves at least the padding between two
// images, so each output row reads one image only, and a multiple of the
// stride, so every image starts in phase 0; its output rows start at b *
// pitch / sh. One loop then covers `stack` planes, which is what makes the
// per-plane overheads (calls, block tails, the extra columns) small.
struct Plane {
  int H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
  int image_h, image_oh;  // one image's input and output height
  int stack, pitch;       // images per tall plane, rows from one to the next
  int Hp, Wp;           // padded input (the tall plane: H = (stack - 1) * pitch + image_h)
  int Hq, Wq;           // one stride phase
  int64_t phase_size;   // one phase, with slack for the reads of the extra columns
  int64_t wide;         // OH * Wq: the output plane at the phase width
  explicit Plane(const ConvGeometry& g, int images = 1)
      : H(g.height), W(g.width), OH(g.out_h()), OW(g.out_w()), kh(g.kernel_h), kw(g.kernel_w), sh(g.stride_h),
        sw(g.stride_w), ph(g.pad_h), pw(g.pad_w), dh(g.dilation_h), dw(g.dilation_w), image_h(H), image_oh(OH),
        stack(images) {
    pitch = std::max(H + ph, OH * sh);
    pitch = (pitch + sh - 1) / sh * sh;
    H = (stack - 1) * pitch + image_h;
    OH = (stack - 1) * pitch / sh + image_oh;
    Hp = H + 2 * ph;
    Wp = W + 2 * pw;
    Hq = (Hp + sh - 1) / sh;
    Wq = (Wp + sw - 1) / sw;
    // Flat position t < OH * Wq plus the largest tap offset stays below
    // Hq * Wq + (kw - 1) * dw / sw + 1.
    phase_size = static_cast<int64_t>(Hq) * Wq + static_cast<int64_t>(kw - 1) * dw / sw + 1;
    wide = static_cast<int64_t>(OH) * Wq;
  }
  bool unit_stride() const { return sh == 1 && sw == 1; }
  bool is_3x3() const { return kh == 3 && kw == 3; }
  // The nine tap offsets of a 3x3 kernel, row-major.
  void taps3x3(int64_t* off) const {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) off[i * 3 + j] = tap(i, j);
  }
  int phases() const { return sh * sw; }
  // Offset of tap (i, j) into the phase buffer `phases()` * phase_size.
  int64_t tap(int i, int j) const {
    const int a = i * dh % sh, b = j * dw % sw;
    return (a * sw + b) * phase_size + static_cast<int64_t>(i * dh / sh) * Wq + j * dw / sw;
  }
};

// Thread-local buffers: the phases of an input plane (with stride 1 the
// padded plane itself) and a wide output or gradient plane.
struct Buffers {
  std::vector<float> phase, wide;
  explicit Buffers(const Plane& p) : phase(p.phases() * p.phase_size), wide(p.wide) {}
};

// Short rows (7 to 30 floats on the small planes) copied and zeroed inline:
// memcpy and memset calls per row were most of the time the 7x7 and 14x14
// layers took. The callers that run them per row are clones too.
__attribute__((always_inline)) inline void Copy(float* dst, const float* src, int n) {
#pragma omp simd
  for (int c = 0; c < n; ++c) dst[c] = src[c];
}
__attribute__((always_inline)) inline void Zero(float* dst, int64_t n) {
#pragma omp simd
  for (int64_t c = 0; c < n; ++c) dst[c] = 0.f;
}

// dst[c] = src[c * stride] and its reverse: the column step of Split and
// Merge; a memcpy at stride 1, vector shuffles at MobileNet's stride 2.
__attribute__((always_inline)) inline void GatherStrided(float* dst, const float* src, int n, int stride) {
  if (stride == 1) {
    Copy(dst, src, n);
  } else if (stride == 2) {
    for (int c = 0; c < n; ++c) dst[c] = src[2 * c];
  } else {
    for (int c = 0; c < n; ++c) dst[c] = src[static_cast<int64_t>(c) * stride];
  }
}
__attribute__((always_inline)) inline void ScatterStrided(float* dst, const float* src, int n, int stride) {
  if (stride == 1) {
    Copy(dst, src, n);
  } else if (stride == 2) {
    for (int c = 0; c < n; ++c) dst[2 * c] = src[c];
  } else {
    for (int c = 0; c < n; ++c) dst[static_cast<int64_t>(c) * stride] = src[c];
  }
}

// Where phase (a, b) meets the input: phase rows r whose padded row r*sh + a
// is input row h = r*sh + a - ph in [0, H), and columns [c_lo, c_hi) whose
// padded column c*sw + b is input column c*sw + b - pw in [0, W).
struct PhaseWindow {
  int c_lo, c_hi;
  PhaseWindow(const Plane& p, int b)
      : c_lo(p.pw > b ? (p.pw - b + p.sw - 1) / p.sw : 0),
        c_hi(std::min(p.Wq, std::max(0, (p.W + p.pw - b + p.sw - 1) / p.sw))) {}
  int cols() const { return std::max(0, c_hi - c_lo); }
};

// Row h of the tall input plane: image b's row h - b * pitch, or null in the
// rows between images and for images past `images` (a last, partial stack);
// x points at the first image, the next ones `step` floats apart.
const float* TallRow(const Plane& p, const float* x, int64_t step, int images, int h) {
  if (h < 0 || h >= p.H) return nullptr;
  const int b = h / p.pitch, r = h - b * p.pitch;
  if (b >= images || r >= p.image_h) return nullptr;
  return x + b * step + static_cast<int64_t>(r) * p.W;
}

// Input planes x (stacked, see Plane) into the phases, zeros where the
// padding is; no padded copy in between.
CNN_SIMD_CLONES void Split(const Plane& p, const float* x, int64_t step, int images, Buffers* buf) {
  float* out = buf->phase.data();
  // One memset for all the padding (and slack) rather than one or two per
  // row around each copy: the margins are a float or two wide.
  std::memset(out, 0, sizeof(float) * buf->phase.size());
  for (int a = 0; a < p.sh; ++a) {
    for (int b = 0; b < p.sw; ++b) {
      float* q = out + (a * p.sw + b) * p.phase_size;
      const PhaseWindow win(p, b);
      if (win.cols() == 0) continue;
      for (int r = 0; r < p.Hq; ++r) {
        const float* row = TallRow(p, x, step, images, r * p.sh + a - p.ph);
        if (row == nullptr) continue;
        GatherStrided(q + static_cast<int64_t>(r) * p.Wq + win.c_lo, row + win.c_lo * p.sw + b - p.pw, win.cols(),
                      p.sw);
      }
    }
  }
}

// The phases' gradient back onto the input planes dx (stacked as in Split),
// overwriting them: Split's copies in reverse, skipping the padding.
CNN_SIMD_CLONES void Merge(const Plane& p, const float* phases, float* dx, int64_t step, int images) {
  for (int a = 0; a < p.sh; ++a) {
    for (int b = 0; b < p.sw; ++b) {
      const float* q = phases + (a * p.sw + b) * p.phase_size;
      const PhaseWindow win(p, b);
      if (win.cols() == 0) continue;
      for (int r = 0; r < p.Hq; ++r) {
        float* row = const_cast<float*>(TallRow(p, dx, step, images, r * p.sh + a - p.ph));
        if (row == nullptr) continue;
        ScatterStrided(row + win.c_lo * p.sw + b - p.pw, q + static_cast<int64_t>(r) * p.Wq + win.c_lo, win.cols(),
                       p.sw);
      }
    }
  }
}

// Output row o of the tall plane: image b's row o - b * pitch / sh, or null
// between images and past `images`; y points at the first image's plane, the
// next ones `step` floats apart.
const float* TallOutRow(const Plane& p, const float* y, int64_t step, int images, int o) {
  const int out_pitch = p.pitch / p.sh, b = o / out_pitch, r = o - b * out_pitch;
  if (b >= images || r >= p.image_oh) return nullptr;
  return y + b * step + static_cast<int64_t>(r) * p.OW;
}

// Gradient planes (stacked) at the phase width, zeros in the extra columns
// and between the images, so that the outputs nobody uses feed nothing.
CNN_SIMD_CLONES void Widen(const Plane& p, const float* y, int64_t step, int images, float* yw) {
  for (int oh = 0; oh < p.OH; ++oh) {
    float* row = yw + static_cast<int64_t>(oh) * p.Wq;
    const float* src = TallOutRow(p, y, step, images, oh);
    if (src == nullptr) {
      Zero(row, p.Wq);
      continue;
    }
    Copy(row, src, p.OW);
    Zero(row + p.OW, p.Wq - p.OW);
  }
}

// Widen's reverse for the forward pass: the output planes of a stack out of
// the wide plane yw.
CNN_SIMD_CLONES void Narrow(const Plane& p, const float* yw, float* y, int64_t step, int images) {
  for (int b = 0; b < images; ++b) {
    const float* src = yw + static_cast<int64_t>(b) * (p.pitch / p.sh) * p.Wq;
    for (int oh = 0; oh < p.image_oh; ++oh) {
      Copy(y + b * step + static_cast<int64_t>(oh) * p.OW, src + static_cast<int64_t>(oh) * p.Wq, p.OW);
    }
  }
}

// Images per tall plane: about kStackFloats input floats, at most `num`.
constexpr int64_t kStackFloats = 8192;
int StackOf(const ConvGeometry& g, int num) {
  const int64_t padded = static_cast<int64_t>(g.height + 2 * g.pad_h) * (g.width + 2 * g.pad_w);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(num, kStackFloats / std::max<int64_t>(1, padded))));
}

// The loops run in blocks of this many outputs, all taps per block: a block
// of the output and the few rows its taps read stay in L1 while a kernel of
// more than kChunk taps makes several passes (a 112x112 plane is 50 KB).
constexpr int64_t kBlock = 1024;
// Taps summed per pass over a block: a 3x3 kernel in one pass, so each
// output is read or written once.
constexpr int kChunk = 9;

// out[t] (= init or +=) sum_k w[k] x_k[t] for N taps, N a constant so that
// the tap loop unrolls and the loop over t vectorizes.
template <int N>
__attribute__((always_inline)) inline void GatherChunk(float* out, const float* const* x, const float* weights,
                                                       bool assign, float init, int64_t len) {
  float w[N];  // registers: out may alias nothing, but the compiler cannot know w is not stored to
  for (int k = 0; k < N; ++k) w[k] = weights[k];
  if (assign) {
#pragma omp simd
    for (int64_t t = 0; t < len; ++t) {
      float sum = init;
      for (int k = 0; k < N; ++k) sum += w[k] * x[k][t];
      out[t] = sum;
    }
  } else {
#pragma omp simd
    for (int64_t t = 0; t < len; ++t) {
      float sum = out[t];
      for (int k = 0; k < N; ++k) sum += w[k] * x[k][t];
      out[t] = sum;
    }
  }
}

// sums[k] += sum_t y[t] x_k[t] for N taps. Each tap sums in kLanes partial
// sums, one vector register, added up at the end: a fixed order whatever
// the vector width, and no horizontal add inside the loop (which is what
// GCC made of an OpenMP array reduction).
constexpr int kLanes = 16;
template <int N>
__attribute__((always_inline)) inline void DotChunk(const float* y, const float* const* x, int64_t len, float* sums) {
  float acc[N][kLanes] = {};
  int64_t t = 0;
  for (; t + kLanes <= len; t += kLanes) {
    for (int k = 0; k < N; ++k) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) acc[k][l] += y[t + l] * x[k][t + l];
    }
  }
  for (int k = 0; k < N; ++k) {
    float sum = 0.f;
    for (int l = 0; l < kLanes; ++l) sum += acc[k][l];
    for (int64_t u = t; u < len; ++u) sum += y[u] * x[k][u];
    sums[k] += sum;
  }
}

// The walk both tap loops share: blocks of kBlock outputs, and per block the
// taps in chunks of up to kChunk, with x[k] the chunk's k-th tap at the
// block's start. body(N, t0, k0, block, x) gets the chunk size N as a
// constant (std::integral_constant) so the chunk kernels above unroll.
template <typename Body>
__attribute__((always_inline)) inline void ForEachTapChunk(const float* in, const int64_t* off, int n, int64_t len,
                                                           Body&& body) {
  for (int64_t t0 = 0; t0 < len; t0 += kBlock) {
    const int64_t block = std::min(kBlock, len - t0);
    for (int k0 = 0; k0 < n; k0 += kChunk) {
      const int m = std::min(kChunk, n - k0);
      const float* x[kChunk];
      for (int k = 0; k < m; ++k) x[k] = in + off[k0 + k] + t0;
      const auto run = [&](auto size) { body(size, t0, k0, block, x); };
      switch (m) {
        case 1: run(std::integral_constant<int, 1>{}); break;
        case 2: run(std::integral_constant<int, 2>{}); break;
        case 3: run(std::integral_constant<int, 3>{}); break;
        case 4: run(std::integral_constant<int, 4>{}); break;
        case 5: run(std::integral_constant<int, 5>{}); break;
        case 6: run(std::integral_constant<int, 6>{}); break;
        case 7: run(std::integral_constant<int, 7>{}); break;
        case 8: run(std::integral_constant<int, 8>{}); break;
        default: run(std::integral_constant<int, 9>{}); break;
      }
    }
  }
}

// out[t] = init + sum_k w[k] in[t + off[k]] over n taps, t in [0, len)
// (accumulate: out[t] += the sum). Offsets may be negative. The only loops
// that touch every output, compiled for each vector width (simd_clones.hpp):
// they run at L1 speed only with AVX-512 or AVX2 registers.
CNN_SIMD_CLONES void GatherTaps(float* out, const float* in, const int64_t* off, const float* w, int n, float init,
                                bool accumulate, int64_t len) {
  ForEachTapChunk(in, off, n, len, [&](auto size, int64_t t0, int k0, int64_t block, const float* const* x) {
    GatherChunk<decltype(size)::value>(out + t0, x, w + k0, k0 == 0 && !accumulate, init, block);
  });
}

// sums[k] += sum_t y[t] in[t + off[k]] over n taps, t in [0, len).
CNN_SIMD_CLONES void DotTaps(const float* y, const float* in, const int64_t* off, int n, int64_t len, float* sums) {
  ForEachTapChunk(in, off, n, len, [&](auto size, int64_t t0, int k0, int64_t block, const float* const* x) {
    DotChunk<decltype(size)::value>(y + t0, x, block, sums + k0);
  });
}

// The offsets of all taps into the phase buffer, row-major.
std::vector<int64_t> TapOffsets(const Plane& p) {
  std::vector<int64_t> off;
  for (int i = 0; i < p.kh; ++i)
    for (int j = 0; j < p.kw; ++j) off.push_back(p.tap(i, j));
  return off;
}

// For the data gradient, phase by phase: the taps that read phase (a, b),
// as their weight index and their offset within that phase.
struct PhaseTaps {
  std::vector<int> weight;
  std::vector<int64_t> off;
};
std::vector<PhaseTaps> TapsByPhase(const Plane& p) {
  std::vector<PhaseTaps> phases(p.phases());
  for (int i = 0; i < p.kh; ++i) {
    for (int j = 0; j < p.kw; ++j) {
      const int a = i * p.dh % p.sh, b = j * p.dw % p.sw;
      const int64_t inner = p.tap(i, j) - (a * p.sw + b) * p.phase_size;
      phases[a * p.sw + b].weight.push_back(i * p.kw + j);
      phases[a * p.sw + b].off.push_back(inner);
    }
  }
  return phases;
}

// out[c] += a * x[c]: one tap along a border row of the in-place path.
CNN_SIMD_CLONES void AxpyRow(float* out, const float* x, float a, int n) {
#pragma omp simd
  for (int c = 0; c < n; ++c) out[c] += a * x[c];
}

// Stride 1 with "same" padding (output plane == input plane, MobileNet's
// 3x3 pad 1 layers): the taps read the input plane in place, with no padded
// copy. Tap k reads in[(h + di[k]) * W + w + dj[k]] for output (h, w), a
// fixed flat offset, so the rows where every tap's row is inside the plane
// are one flat GatherTaps from their first interior column to their last:
// its reads stay inside the plane, and the outputs it gets wrong (border
// columns, where a tap wraps into the next or previous row instead of
// reading padding) are rewritten afterwards with the taps that are in range.
// The border rows are built row by row, one vector loop per tap.
struct InPlace {
  int H, W, n;
  std::vector<int> di, dj;
  std::vector<int64_t> off;
  int r0, r1, c0, c1;  // the interior: rows [r0, r1), columns [c0, c1)
  // Taps of output (h, w) at input (h + sign*(i*dh - ph), w + sign*(j*dw - pw)):
  // sign +1 for the forward pass, -1 for the data gradient (its transpose).
  InPlace(const Plane& p, int sign) : H(p.H), W(p.W), n(p.kh * p.kw) {
    int lo_i = 0, hi_i = 0, lo_j = 0, hi_j = 0;
    for (int i = 0; i < p.kh; ++i) {
      for (int j = 0; j < p.kw; ++j) {
        di.push_back(sign * (i * p.dh - p.ph));
        dj.push_back(sign * (j * p.dw - p.pw));
        off.push_back(static_cast<int64_t>(di.back()) * W + dj.back());
        lo_i = std::min(lo_i, di.back()), hi_i = std::max(hi_i, di.back());
        lo_j = std::min(lo_j, dj.back()), hi_j = std::max(hi_j, dj.back());
      }
    }
    r0 = -lo_i, r1 = H - hi_i, c0 = -lo_j, c1 = W - hi_j;
  }
  // Worth it where the plane equals the output, the interior is most of it
  // (narrow planes are mostly border, and the padded copy is cheap there).
  static bool Applies(const Plane& p) {
    return p.unit_stride() && p.OH == p.H && p.OW == p.W && p.W >= kMinWidth && p.H > 2 * p.ph &&
           p.W > 2 * p.pw;
  }
  static constexpr int kMinWidth = 24;
};

// out (H x W) = init + sum_k w[k] in[tap k], with zeros where a tap falls
// outside the plane. It assigns only: the flat pass overwrites the border
// columns before they are rebuilt.
void GatherInPlace(const InPlace& t, const float* in, const float* w, float init, float* out) {
  const int W = t.W;
  const int64_t first = static_cast<int64_t>(t.r0) * W + t.c0, last = static_cast<int64_t>(t.r1 - 1) * W + t.c1;
  GatherTaps(out + first, in + first, t.off.data(), w, t.n, init, false, last - first);
  // One border pixel: the taps that land inside the plane, in tap order.
  const auto pixel = [&](int h, int c) {
    float sum = init;
    for (int k = 0; k < t.n; ++k) {
      const int y = h + t.di[k], x = c + t.dj[k];
      if (y >= 0 && y < t.H && x >= 0 && x < W) sum += w[k] * in[static_cast<int64_t>(y) * W + x];
    }
    out[static_cast<int64_t>(h) * W + c] = sum;
  };
  for (int h = t.r0; h < t.r1; ++h) {
    for (int c = 0; c < t.c0; ++c) pixel(h, c);
    for (int c = t.c1; c < W; ++c) pixel(h, c);
  }
  for (int h = 0; h < t.H; ++h) {
    if (h == t.r0) h = t.r1;  // skip the interior rows
    if (h >= t.H) break;
    float* row = out + static_cast<int64_t>(h) * W;
    std::fill(row, row + W, init);
    for (int k = 0; k < t.n; ++k) {
      const int y = h + t.di[k];
      if (y < 0 || y >= t.H) continue;
      const int lo = std::max(0, -t.dj[k]), hi = std::min(W, W - t.dj[k]);
      if (lo < hi) AxpyRow(row + lo, in + static_cast<int64_t>(y) * W + lo + t.dj[k], w[k], hi - lo);
    }
  }
}

// sum_c y[c] x[c], for the border rows of the in-place weight gradient.
CNN_SIMD_CLONES float DotRow(const float* y, const float* x, int n) {
  float sum = 0.f;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < n; ++c) sum += y[c] * x[c];
  return sum;
}

// sums[k] += sum over the plane of dy * (input at tap k), zeros outside the
// plane, for the forward taps of `t`. The interior rows are one flat
// DotTaps on a copy of their gradient with the border columns zeroed
// (`masked`, H x W), so the wrapped reads there add nothing; the border
// columns and rows are added separately, with the taps in range.
void DotInPlace(const InPlace& t, const float* dy, const float* in, float* masked, float* sums) {
  const int W = t.W;
  for (int h = t.r0; h < t.r1; ++h) {
    float* row = masked + static_cast<int64_t>(h) * W;
    const float* src = dy + static_cast<int64_t>(h) * W;
    std::fill(row, row + t.c0, 0.f);
    std::memcpy(row + t.c0, src + t.c0, sizeof(float) * (t.c1 - t.c0));
    std::fill(row + t.c1, row + W, 0.f);
  }
  const int64_t first = static_cast<int64_t>(t.r0) * W + t.c0, last = static_cast<int64_t>(t.r1 - 1) * W + t.c1;
  DotTaps(masked + first, in + first, t.off.data(), t.n, last - first, sums);
  for (int h = t.r0; h < t.r1; ++h) {
    for (int c = 0; c < W; ++c) {
      if (c == t.c0) c = t.c1;  // the interior columns are done
      if (c >= W) break;
      const float v = dy[static_cast<int64_t>(h) * W + c];
      for (int k = 0; k < t.n; ++k) {
        const int x = c + t.dj[k];  // interior rows: every tap's row is inside
        if (x >= 0 && x < W) sums[k] += v * in[static_cast<int64_t>(h + t.di[k]) * W + x];
      }
    }
  }
  for (int h = 0; h < t.H; ++h) {
    if (h == t.r0) h = t.r1;
    if (h >= t.H) break;
    for (int k = 0; k < t.n; ++k) {
      const int y = h + t.di[k];
      if (y < 0 || y >= t.H) continue;
      const int lo = std::max(0, -t.dj[k]), hi = std::min(W, W - t.dj[k]);
      if (lo < hi) {
        sums[k] += DotRow(dy + static_cast<int64_t>(h) * W + lo, in + static_cast<int64_t>(y) * W + lo + t.dj[k],
                          hi - lo);
      }
    }
  }
}

// The output rows a stack of `images` (the first ones of the tall plane)
// reaches, at the phase width: where the loops over a last, partial stack end.
int64_t StackWide(const Plane& p, int images) {
  return (static_cast<int64_t>(images - 1) * (p.pitch / p.sh) + p.image_oh) * p.Wq;
}

}  // namespace

void DepthwiseForward(const float* in, int num, const ConvGeometry& g, int multiplier, const float* weight,
                      const float* bias, float* out) {
  const int outputs = g.channels * multiplier;
  const int64_t planes = static_cast<int64_t>(num) * outputs;
  const int64_t in_plane = static_cast<int64_t>(g.height) * g.width;
  const int64_t out_plane = static_cast<int64_t>(g.out_h()) * g.out_w();
  const int taps = g.kernel_h * g.kernel_w;
  if (InPlace::Applies(Plane(g))) {
    const InPlace t(Plane(g), 1);
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * out_plane * taps))
    for (int64_t q = 0; q < planes; ++q) {
      const int m = static_cast<int>(q % outputs);
      const int64_t source = q / outputs * g.channels + m / multiplier;
      GatherInPlace(t, in + source * in_plane, weight + static_cast<int64_t>(m) * taps, bias ? bias[m] : 0.f,
                    out + q * out_plane);
    }
    return;
  }
  const int stack = StackOf(g, num), stacks = (num + stack - 1) / stack;
  const Plane p(g, stack);
  const std::vector<int64_t> off = TapOffsets(p);
  const int64_t units = static_cast<int64_t>(stacks) * outputs;
#pragma omp parallel if (ParallelLoopPays(planes * out_plane * taps))
  {
    Buffers buf(p);
    int64_t split = -1;  // the (stack, input channel) the phases hold
#pragma omp for schedule(static)
    for (int64_t u = 0; u < units; ++u) {
      const int m = static_cast<int>(u % outputs);
      const int64_t n0 = u / outputs * stack;
      const int images = static_cast<int>(std::min<int64_t>(stack, num - n0));
      // Consecutive output channels of one input channel reuse its phases.
      const int64_t source = n0 * g.channels + m / multiplier;
      if (source != split) {
        Split(p, in + source * in_plane, g.channels * in_plane, images, &buf);
        split = source;
      }
      float* acc = buf.wide.data();
      GatherTaps(acc, buf.phase.data(), off.data(), weight + static_cast<int64_t>(m) * taps, taps,
                 bias ? bias[m] : 0.f, false, StackWide(p, images));
      Narrow(p, acc, out + (n0 * outputs + m) * out_plane, outputs * out_plane, images);
    }
  }
}

void DepthwiseBackwardData(const float* dy, int num, const ConvGeometry& g, int multiplier, const float* weight,
                           float* dx) {
  const int outputs = g.channels * multiplier;
  const int64_t planes = static_cast<int64_t>(num) * g.channels;
  const int64_t in_plane = static_cast<int64_t>(g.height) * g.width;
  const int64_t out_plane = static_cast<int64_t>(g.out_h()) * g.out_w();
  const int taps = g.kernel_h * g.kernel_w;
  if (multiplier == 1 && InPlace::Applies(Plane(g))) {
    // Each input plane has one output plane, the same size: the transpose is
    // the forward gather with the taps mirrored.
    const InPlace t(Plane(g), -1);
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes * out_plane * taps))
    for (int64_t q = 0; q < planes; ++q) {
      GatherInPlace(t, dy + q * out_plane, weight + (q % g.channels) * taps, 0.f, dx + q * in_plane);
    }
    return;
  }
  // The transpose of Forward's gather, as a gather again: pixel u of phase
  // (a, b) collects w_k dy_wide[u - off_k] over the taps k that read that
  // phase, in one pass per kChunk taps instead of a scatter per tap.
  const int stack = StackOf(g, num), stacks = (num + stack - 1) / stack;
  const Plane p(g, stack);
  std::vector<PhaseTaps> by_phase = TapsByPhase(p);
  int64_t slack = 0;  // the widened gradient needs zeros this far before it
  for (PhaseTaps& t : by_phase) {
    for (int64_t& o : t.off) {
      slack = std::max(slack, o);
      o = -o;
    }
  }
  const int64_t units = static_cast<int64_t>(stacks) * g.channels;
  // One stack of input planes per iteration: it gathers the gradients of its
  // `multiplier` output planes, so no two iterations write the same pixel.
#pragma omp parallel if (ParallelLoopPays(planes * multiplier * out_plane * taps))
  {
    // Zeros before the widened gradient (up to the largest offset) and after
    // it up to a phase's end: the gathers read both. Widen rewrites only the
    // middle, so they stay zero.
    std::vector<float> dphase(p.phases() * p.phase_size), yw(slack + std::max(p.wide, p.phase_size), 0.f);
    std::vector<float> w_phase(taps);
#pragma omp for schedule(static)
    for (int64_t u = 0; u < units; ++u) {
      const int c = static_cast<int>(u % g.channels);
      const int64_t n0 = u / g.channels * stack;
      const int images = static_cast<int>(std::min<int64_t>(stack, num - n0));
      for (int k = 0; k < multiplier; ++k) {
        const int m = c * multiplier + k;
        const float* w = weight + static_cast<int64_t>(m) * taps;
        Widen(p, dy + (n0 * outputs + m) * out_plane, outputs * out_plane, images, yw.data() + slack);
        for (int ph = 0; ph < p.phases(); ++ph) {
          float* dst = dphase.data() + ph * p.phase_size;
          const PhaseTaps& t = by_phase[ph];
          if (t.off.empty()) {  // no tap reads this phase (stride > kernel span)
            if (k == 0) std::fill(dst, dst + p.phase_size, 0.f);
            continue;
          }
          for (size_t e = 0; e < t.weight.size(); ++e) w_phase[e] = w[t.weight[e]];
          GatherTaps(dst, yw.data() + slack, t.off.data(), w_phase.data(), static_cast<int>(t.off.size()), 0.f,
                     k > 0, p.phase_size);
        }
      }
      Merge(p, dphase.data(), dx + (n0 * g.channels + c) * in_plane, g.channels * in_plane, images);
    }
  }
}

void DepthwiseBackwardWeight(const float* dy, const float* in, int num, const ConvGeometry& g, int multiplier,
                             float* weight_diff) {
  const int outputs = g.channels * multiplier;
  const int64_t in_plane = static_cast<int64_t>(g.height) * g.width;
  const int64_t out_plane = static_cast<int64_t>(g.out_h()) * g.out_w();
  const int taps = g.kernel_h * g.kernel_w;
  const bool pays = ParallelLoopPays(static_cast<int64_t>(num) * outputs * out_plane * taps);
  // One output channel per iteration: it owns its taps' sums, which run over
  // the images in order, so the result does not depend on the threads.
  if (InPlace::Applies(Plane(g))) {
    const InPlace t(Plane(g), 1);
#pragma omp parallel if (pays)
    {
      std::vector<float> masked(in_plane), acc(taps);
#pragma omp for schedule(static)
      for (int m = 0; m < outputs; ++m) {
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int n = 0; n < num; ++n) {
          DotInPlace(t, dy + (static_cast<int64_t>(n) * outputs + m) * out_plane,
                     in + (static_cast<int64_t>(n) * g.channels + m / multiplier) * in_plane, masked.data(),
                     acc.data());
        }
        float* wd = weight_diff + static_cast<int64_t>(m) * taps;
        for (int k = 0; k < taps; ++k) wd[k] += acc[k];
      }
    }
    return;
  }
  const int stack = StackOf(g, num);
  const Plane p(g, stack);
  const std::vector<int64_t> off = TapOffsets(p);
#pragma omp parallel if (pays)
  {
    Buffers buf(p);
    std::vector<float> acc(taps);
#pragma omp for schedule(static)
    for (int m = 0; m < outputs; ++m) {
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int64_t n0 = 0; n0 < num; n0 += stack) {
        const int images = static_cast<int>(std::min<int64_t>(stack, num - n0));
        Split(p, in + (n0 * g.channels + m / multiplier) * in_plane, g.channels * in_plane, images, &buf);
        Widen(p, dy + (n0 * outputs + m) * out_plane, outputs * out_plane, images, buf.wide.data());
        DotTaps(buf.wide.data(), buf.phase.data(), off.data(), taps, StackWide(p, images), acc.data());
      }
      float* wd = weight_diff + static_cast<int64_t>(m) * taps;
      for (int t = 0; t < taps; ++t) wd[t] += acc[t];
    }
  }
}

}  // namespace cnn
