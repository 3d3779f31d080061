// PReLU's formulas, shared by the CPU loops and the CUDA kernels.
#pragma once

#include "cnn/core/host_device.hpp"

namespace cnn {
namespace prelu {

// max(x, 0) + slope * min(x, 0), spelled with std::max/min's comparisons so
// NaN propagates as in Caffe.
CNN_HD float Forward(float x, float slope) {
  const float pos = x < 0.f ? 0.f : x;
  const float neg = 0.f < x ? 0.f : x;
  return pos + slope * neg;
}
// dx: dy on the positive side, slope * dy at and below 0 (Caffe's split).
CNN_HD float BottomDiff(float x, float slope, float dy) {
  return dy * (static_cast<float>(x > 0.f) + slope * static_cast<float>(x <= 0.f));
}
// One element's share of d(loss)/d(slope).
CNN_HD float SlopeDiff(float x, float dy) { return dy * x * static_cast<float>(x <= 0.f); }

// The slope of element i: one per channel (axis 1), or the one shared.
CNN_HD int SlopeIndex(long long i, int inner, int channels, bool shared) {
  return shared ? 0 : static_cast<int>((i / inner) % channels);
}

}  // namespace prelu
}  // namespace cnn
