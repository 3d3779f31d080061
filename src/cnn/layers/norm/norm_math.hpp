// Formulas shared by the normalisation layers' CPU loops and CUDA kernels,
// written once so that the two devices compute the same expressions.
// Statistics are accumulated in double on both devices and rounded to float
// once, so CPU and GPU agree to float rounding whatever their summation order.
#pragma once

#include <cmath>

#include "cnn/core/host_device.hpp"

namespace cnn {
namespace norm {

// 1 / sqrt(var + eps): BatchNorm, LayerNorm, InstanceNorm and GroupNorm put
// eps inside the square root (MVN does not: see MvnDivisor).
CNN_HD float InvStd(double var, float eps) { return static_cast<float>(1.0 / sqrt(var + static_cast<double>(eps))); }

CNN_HD float Standardize(float x, float mean, float inv_std) { return (x - mean) * inv_std; }

// Gradient through x_hat = (x - mean) * inv_std when mean and inv_std are the
// statistics of the very values being normalised: with g = dL/dx_hat,
//   dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)),
// the means taken over the same values as the statistics.
CNN_HD float StandardizeGrad(float g, float x_hat, float mean_g, float mean_g_xhat, float inv_std) {
  return inv_std * (g - mean_g - x_hat * mean_g_xhat);
}

// Caffe's BatchNorm stores the variance of m values times m / (m - 1), the
// unbiased estimate (1 for a single value, which has no spread to correct).
CNN_HD double UnbiasedVarianceFactor(double m) { return m > 1.0 ? m / (m - 1.0) : 1.0; }

// Caffe's BatchNorm stores running sums weighted by a geometric series whose
// total is its third blob; the statistics read back divided by that total
// (and as 0 before any batch was seen, when the total is 0).
CNN_HD float StoredStatsScale(float total) { return total == 0.f ? 0.f : 1.f / total; }

// One batch folded into such a sum: the older terms decay by the fraction
// (the total itself folds in a weight of 1 per batch).
CNN_HD float FoldIntoSum(float batch_value, float fraction, float sum) { return batch_value + fraction * sum; }

// The (biased) variance back from 1 / sqrt(var + eps), for statistics that
// arrive as an inverse standard deviation (cuDNN's saved batch statistics).
// Rounding can leave a constant channel slightly below 0; it is clamped.
CNN_HD double VarianceFromInvStd(float inv_std, float eps) {
  const double v = 1.0 / (static_cast<double>(inv_std) * inv_std) - static_cast<double>(eps);
  return v > 0.0 ? v : 0.0;
}

// MVN divides by the standard deviation plus eps, eps outside the root.
CNN_HD float MvnDivisor(double var, float eps) { return static_cast<float>(sqrt(var)) + eps; }

// Caffe's MVN gradient, y = (x - mean) / divisor:
//   dL/dx = (g - mean(g) - y * mean(g * y)) / divisor.
// It treats the divisor as if it were the standard deviation itself, which
// is exact only for eps = 0 (Caffe's eps, 1e-9, makes the difference
// negligible). Without normalize_variance: y's term is 0 and divisor 1.
CNN_HD float MvnGrad(float g, float y, float mean_g, float mean_g_y, float divisor) {
  return (g - mean_g - y * mean_g_y) / divisor;
}

}  // namespace norm
}  // namespace cnn
