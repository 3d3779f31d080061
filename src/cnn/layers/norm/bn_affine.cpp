#include "cnn/layers/norm/bn_affine.hpp"

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
  if (x_hat) {
    for (int64_t i = 0; i < len; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const float xh = Standardize(x[i + l], mean[l], inv_std[l]);
        x_hat[i + l] = xh;
        y[i + l] = Activate(xh * gamma[l] + beta[l], slope);
      }
  } else {
    for (int64_t i = 0; i < len; i += kLanes)
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
  for (int64_t i = 0; i < len; i += kLanes)
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - shift[l];
      sum[l] += d;
      sq[l] += d * d;
    }
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
  for (int64_t p = 0; p < positions; ++p, dy += kLanes, x_hat += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float dz = ActivationGrad(x_hat[l] * gamma[l] + beta[l], slope, dy[l]);
      s[l] += dz;
      sx[l] += static_cast<double>(dz) * x_hat[l];
    }
  }
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

}  // namespace

void ChannelMoments(const ChannelView& v, const float* x, float* mean, double* var) {
  const int64_t blocks = v.blocks(), row = v.spatial * v.lanes, count = v.num * v.spatial;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(v.size()))
  for (int64_t cb = 0; cb < blocks; ++cb) {
    double sum[kLanes] = {}, sq[kLanes] = {}, shift[kLanes] = {};
    if (count > 0) {
      for (int l = 0; l < v.lanes; ++l) shift[l] = x[cb * row + l];
    }
    for (int64_t n = 0; n < v.num; ++n) RowMoments(row, v.lanes, x + (n * blocks + cb) * row, shift, sum, sq);
    for (int l = 0; l < v.lanes; ++l) {
      const double d = count > 0 ? sum[l] / count : 0.0;
      const double spread = count > 0 ? sq[l] / count - d * d : 0.0;
      mean[cb * v.lanes + l] = static_cast<float>(shift[l] + d);
      // Rounding can leave a constant channel a hair below 0; NaN stays NaN.
      var[cb * v.lanes + l] = spread < 0.0 ? 0.0 : spread;
    }
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
#pragma omp parallel for schedule(static) if (ParallelLoopPays(v.size()))
    for (int64_t cb = 0; cb < blocks; ++cb) {
      double s[kLanes] = {}, sx[kLanes] = {};
      float g[kLanes], b[kLanes];
      Gather(v, cb, a.gamma, 0.f, g);
      Gather(v, cb, a.beta, 0.f, b);
      for (int64_t n = 0; n < v.num; ++n) {
        const int64_t base = (n * blocks + cb) * row;
        if (v.lanes == 1) {
          SumsPlain(row, dy + base, x_hat + base, Lane{g[0], b[0], 0.f, 0.f}, slope, &s[0], &sx[0]);
        } else {
          SumsBlocked(v.spatial, dy + base, x_hat + base, g, b, slope, s, sx);
        }
      }
      for (int l = 0; l < v.lanes; ++l) {
        const int64_t c = cb * v.lanes + l;
        if (dbeta) dbeta[c] += static_cast<float>(s[l]);
        if (dgamma) dgamma[c] += static_cast<float>(sx[l]);
        if (batch_stats && count > 0) {
          mean_g[c] = static_cast<float>(s[l] * g[l] / count);
          mean_gx[c] = static_cast<float>(sx[l] * g[l] / count);
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
