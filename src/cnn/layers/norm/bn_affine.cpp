#include "cnn/layers/norm/bn_affine.hpp"

#include <algorithm>
#include <vector>

#include "cnn/core/parallel.hpp"
#include "cnn/core/simd_clones.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {
namespace norm {
namespace {

constexpr int kLanes = ChannelView::kBlockedLanes;

// ReLUOp's formulas as arithmetic on the sign: the factor is exactly 1 or
// the slope. Without a ReLU the slope is 1, the identity. Written so that
// GCC vectorises the rows below: with ReLUOp's own branches inlined into
// them it kept scalar code (5 ns per value, measured).
inline float Activate(float z, float slope) {
  const float pos = z < 0.f ? 0.f : z;
  const float neg = 0.f < z ? 0.f : z;
  return pos + slope * neg;
}
inline float ActivationGrad(float z, float slope, float dy) {
  const float on = z > 0.f ? 1.f : 0.f;
  return dy * (on + (1.f - on) * slope);
}

// One row of values of one channel (plain) or of 16 interleaved channels
// (blocked): the passes' hot loops, compiled per ISA (simd_clones.hpp).
// p holds per-lane gamma, beta, mean, inv_std (plain: one value each).
struct Lane {
  float gamma, beta, mean, inv_std;
};

CNN_SIMD_CLONES void ForwardPlain(int64_t len, const float* x, Lane p, float slope, float* x_hat, float* y) {
  if (x_hat) {
    for (int64_t i = 0; i < len; ++i) {
      const float xh = Standardize(x[i], p.mean, p.inv_std);
      x_hat[i] = xh;
      y[i] = Activate(xh * p.gamma + p.beta, slope);
    }
  } else {
    for (int64_t i = 0; i < len; ++i) y[i] = Activate(Standardize(x[i], p.mean, p.inv_std) * p.gamma + p.beta, slope);
  }
}

CNN_SIMD_CLONES void ForwardBlocked(int64_t positions, const float* x, const float* gamma, const float* beta,
                                    const float* mean, const float* inv_std, float slope, float* x_hat, float* y) {
  const int64_t len = positions * kLanes;
  // The lane loops are marked simd: without, GCC kept them scalar (it cannot
  // rule out that x_hat or y overlaps the per-lane arrays), which made this
  // pass a tenth of fmnist_resnet's step.
  if (x_hat) {
    for (int64_t i = 0; i < len; i += kLanes)
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const float xh = Standardize(x[i + l], mean[l], inv_std[l]);
        x_hat[i + l] = xh;
        y[i + l] = Activate(xh * gamma[l] + beta[l], slope);
      }
  } else {
    for (int64_t i = 0; i < len; i += kLanes)
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) y[i + l] = Activate(Standardize(x[i + l], mean[l], inv_std[l]) * gamma[l] + beta[l], slope);
  }
}

// One pass of the moments over a row: sums of d = x - shift and of d^2 per
// lane, in double. Shifting by a value of the channel (its first) keeps
// var = E[d^2] - E[d]^2 free of the cancellation the unshifted form has
// when the mean is large against the spread.
CNN_SIMD_CLONES void RowMoments(int64_t len, int lanes, const float* x, const double* shift, double* sum,
                                double* sq) {
  if (lanes == 1) {
    double s = 0, ss = 0;
    const double k = shift[0];
#pragma omp simd reduction(+ : s, ss)
    for (int64_t i = 0; i < len; ++i) {
      const double d = static_cast<double>(x[i]) - k;
      s += d;
      ss += d * d;
    }
    sum[0] += s;
    sq[0] += ss;
    return;
  }
  double a[kLanes], b[kLanes];
  for (int l = 0; l < kLanes; ++l) a[l] = sum[l], b[l] = sq[l];
  for (int64_t i = 0; i < len; i += kLanes)
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - shift[l];
      a[l] += d;
      b[l] += d * d;
    }
  for (int l = 0; l < kLanes; ++l) sum[l] = a[l], sq[l] = b[l];
}

// sum(dz) and sum(dz * x_hat) over a row, added into s and sx.
CNN_SIMD_CLONES void SumsPlain(int64_t len, const float* dy, const float* x_hat, Lane p, float slope, double* s,
                               double* sx) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (int64_t i = 0; i < len; ++i) {
    const float dz = ActivationGrad(x_hat[i] * p.gamma + p.beta, slope, dy[i]);
    a += dz;
    b += static_cast<double>(dz) * x_hat[i];
  }
  *s += a;
  *sx += b;
}

CNN_SIMD_CLONES void SumsBlocked(int64_t positions, const float* dy, const float* x_hat, const float* gamma,
                                 const float* beta, float slope, double* s, double* sx) {
  // Per-lane sums in locals, each lane in position order as before (see
  // ForwardBlocked for the simd marks).
  double a[kLanes], b[kLanes];
  for (int l = 0; l < kLanes; ++l) a[l] = s[l], b[l] = sx[l];
  for (int64_t p = 0; p < positions; ++p, dy += kLanes, x_hat += kLanes) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const float dz = ActivationGrad(x_hat[l] * gamma[l] + beta[l], slope, dy[l]);
      a[l] += dz;
      b[l] += static_cast<double>(dz) * x_hat[l];
    }
  }
  for (int l = 0; l < kLanes; ++l) s[l] = a[l], sx[l] = b[l];
}

// dx over a row; mean_g and mean_gx are 0 with global statistics, which
// leaves inv_std * g.
CNN_SIMD_CLONES void GradPlain(int64_t len, const float* dy, const float* x_hat, Lane p, float mean_g, float mean_gx,
                               float slope, float* dx) {
  for (int64_t i = 0; i < len; ++i) {
    const float g = ActivationGrad(x_hat[i] * p.gamma + p.beta, slope, dy[i]) * p.gamma;
    dx[i] = StandardizeGrad(g, x_hat[i], mean_g, mean_gx, p.inv_std);
  }
}

CNN_SIMD_CLONES void GradBlocked(int64_t positions, const float* dy, const float* x_hat, const float* gamma,
                                 const float* beta, const float* inv_std, const float* mean_g, const float* mean_gx,
                                 float slope, float* dx) {
  for (int64_t p = 0; p < positions; ++p, dy += kLanes, x_hat += kLanes, dx += kLanes) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const float g = ActivationGrad(x_hat[l] * gamma[l] + beta[l], slope, dy[l]) * gamma[l];
      dx[l] = StandardizeGrad(g, x_hat[l], mean_g[l], mean_gx[l], inv_std[l]);
    }
  }
}

// Gathers per-channel values of block cb into `out` (lanes values).
void Gather(const ChannelView& v, int64_t cb, const float* values, float fill, float* out) {
  for (int l = 0; l < v.lanes; ++l) out[l] = values ? values[cb * v.lanes + l] : fill;
}

float Slope(const AffineAct& a) { return a.relu ? a.negative_slope : 1.f; }

// Per-lane sums over the images, for every channel block: add_row(n, cb, s,
// sx) adds image n's row of block cb into s[kLanes] and sx[kLanes]. The
// images go in chunks of a fixed size (from the shape alone), each chunk's
// partial sums in its own slot, added up in chunk order afterwards: the
// threads share the work even where there is one block (16 channels; over
// blocks alone, fmnist_resnet's 16-channel BatchNorms ran on one thread),
// and the result does not depend on the thread count.
template <typename AddRow>
void SumOverImages(const ChannelView& v, AddRow add_row, double* s_out, double* sx_out) {
  constexpr int64_t kChunkFloats = 32768;
  const int64_t blocks = v.blocks(), row = v.spatial * v.lanes;
  const int64_t per_chunk = std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, row));
  const int64_t chunks = (v.num + per_chunk - 1) / per_chunk;
  static thread_local std::vector<double> parts;  // reused: training allocates nothing per step
  parts.assign(static_cast<size_t>(blocks * chunks * 2 * kLanes), 0.0);
  double* part = parts.data();
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(v.size()))
  for (int64_t cb = 0; cb < blocks; ++cb)
    for (int64_t k = 0; k < chunks; ++k) {
      double* s = part + (cb * chunks + k) * 2 * kLanes;
      const int64_t end = std::min(v.num, (k + 1) * per_chunk);
      for (int64_t n = k * per_chunk; n < end; ++n) add_row(n, cb, s, s + kLanes);
    }
  for (int64_t cb = 0; cb < blocks; ++cb)
    for (int64_t k = 0; k < chunks; ++k) {
      const double* s = part + (cb * chunks + k) * 2 * kLanes;
      for (int l = 0; l < kLanes; ++l) {
        s_out[cb * kLanes + l] += s[l];
        sx_out[cb * kLanes + l] += s[kLanes + l];
      }
    }
}

}  // namespace

void ChannelMoments(const ChannelView& v, const float* x, float* mean, double* var) {
  const int64_t blocks = v.blocks(), row = v.spatial * v.lanes, count = v.num * v.spatial;
  // Shifted by each channel's first value (see RowMoments).
  std::vector<double> shift(blocks * kLanes, 0.0), sum(blocks * kLanes, 0.0), sq(blocks * kLanes, 0.0);
  if (count > 0) {
    for (int64_t cb = 0; cb < blocks; ++cb)
      for (int l = 0; l < v.lanes; ++l) shift[cb * kLanes + l] = x[cb * row + l];
  }
  SumOverImages(
      v,
      [&](int64_t n, int64_t cb, double* s, double* sx) {
        RowMoments(row, v.lanes, x + (n * blocks + cb) * row, shift.data() + cb * kLanes, s, sx);
      },
      sum.data(), sq.data());
  for (int64_t cb = 0; cb < blocks; ++cb)
    for (int l = 0; l < v.lanes; ++l) {
      const int64_t i = cb * kLanes + l;
      const double d = count > 0 ? sum[i] / count : 0.0;
      const double spread = count > 0 ? sq[i] / count - d * d : 0.0;
      mean[cb * v.lanes + l] = static_cast<float>(shift[i] + d);
      // Rounding can leave a constant channel a hair below 0; NaN stays NaN.
      var[cb * v.lanes + l] = spread < 0.0 ? 0.0 : spread;
    }
}

void BnAffineForward(const ChannelView& v, const float* x, const float* mean, const float* inv_std,
                     const AffineAct& a, float* x_hat, float* y) {
  const int64_t blocks = v.blocks(), row = v.spatial * v.lanes;
  const float slope = Slope(a);
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(v.size()))
  for (int64_t n = 0; n < v.num; ++n)
    for (int64_t cb = 0; cb < blocks; ++cb) {
      const int64_t base = (n * blocks + cb) * row;
      float* xh = x_hat ? x_hat + base : nullptr;
      if (v.lanes == 1) {
        const Lane p{a.gamma[cb], a.beta ? a.beta[cb] : 0.f, mean[cb], inv_std[cb]};
        ForwardPlain(row, x + base, p, slope, xh, y + base);
        continue;
      }
      float g[kLanes], b[kLanes], m[kLanes], is[kLanes];
      Gather(v, cb, a.gamma, 0.f, g);
      Gather(v, cb, a.beta, 0.f, b);
      Gather(v, cb, mean, 0.f, m);
      Gather(v, cb, inv_std, 0.f, is);
      ForwardBlocked(v.spatial, x + base, g, b, m, is, slope, xh, y + base);
    }
}

void BnAffineBackward(const ChannelView& v, const float* dy, const float* x_hat, const float* inv_std,
                      const AffineAct& a, bool batch_stats, float* dgamma, float* dbeta, float* dx) {
  const int64_t blocks = v.blocks(), row = v.spatial * v.lanes, count = v.num * v.spatial;
  const float slope = Slope(a);
  // The means of g = dz * gamma (the gradient at x_hat) and of g * x_hat,
  // which the normalisation's gradient subtracts (0 with global statistics).
  std::vector<float> mean_g(v.channels, 0.f), mean_gx(v.channels, 0.f);
  if (dgamma || dbeta || (dx && batch_stats)) {
    std::vector<double> sums(blocks * kLanes, 0.0), sums_x(blocks * kLanes, 0.0);
    SumOverImages(
        v,
        [&](int64_t n, int64_t cb, double* s, double* sx) {
          float g[kLanes], b[kLanes];
          Gather(v, cb, a.gamma, 0.f, g);
          Gather(v, cb, a.beta, 0.f, b);
          const int64_t base = (n * blocks + cb) * row;
          if (v.lanes == 1) {
            SumsPlain(row, dy + base, x_hat + base, Lane{g[0], b[0], 0.f, 0.f}, slope, &s[0], &sx[0]);
          } else {
            SumsBlocked(v.spatial, dy + base, x_hat + base, g, b, slope, s, sx);
          }
        },
        sums.data(), sums_x.data());
    for (int64_t cb = 0; cb < blocks; ++cb) {
      float g[kLanes];
      Gather(v, cb, a.gamma, 0.f, g);
      for (int l = 0; l < v.lanes; ++l) {
        const int64_t c = cb * v.lanes + l;
        const double s = sums[cb * kLanes + l], sx = sums_x[cb * kLanes + l];
        if (dbeta) dbeta[c] += static_cast<float>(s);
        if (dgamma) dgamma[c] += static_cast<float>(sx);
        if (batch_stats && count > 0) {
          mean_g[c] = static_cast<float>(s * g[l] / count);
          mean_gx[c] = static_cast<float>(sx * g[l] / count);
        }
      }
    }
  }
  if (!dx) return;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(v.size()))
  for (int64_t n = 0; n < v.num; ++n)
    for (int64_t cb = 0; cb < blocks; ++cb) {
      const int64_t base = (n * blocks + cb) * row;
      if (v.lanes == 1) {
        const Lane p{a.gamma[cb], a.beta ? a.beta[cb] : 0.f, 0.f, inv_std[cb]};
        GradPlain(row, dy + base, x_hat + base, p, mean_g[cb], mean_gx[cb], slope, dx + base);
        continue;
      }
      float g[kLanes], b[kLanes], is[kLanes], mg[kLanes], mgx[kLanes];
      Gather(v, cb, a.gamma, 0.f, g);
      Gather(v, cb, a.beta, 0.f, b);
      Gather(v, cb, inv_std, 0.f, is);
      Gather(v, cb, mean_g.data(), 0.f, mg);
      Gather(v, cb, mean_gx.data(), 0.f, mgx);
      GradBlocked(v.spatial, dy + base, x_hat + base, g, b, is, mg, mgx, slope, dx + base);
    }
}

}  // namespace norm
}  // namespace cnn
