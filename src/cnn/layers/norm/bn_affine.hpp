// The CPU passes of BatchNorm with the Scale (and ReLU) after it run as one
// layer (BatchNormLayer's fused passes, fusing_layer.hpp):
//   x_hat = (x - mean) * inv_std,  z = x_hat * gamma + beta,  y = relu(z),
// each value read and written once per pass instead of once per layer.
// The expressions are the unfused layers' (norm_math.hpp, ScaleLayer's
// x * s + b, ReLUOp), so a fused forward pass writes the same values (a
// Scale without bias adds a bias of 0, which only turns -0 into +0).
//
// The arrays are N x C x S in a channel-blocked view: channel c of item n
// at spatial position s sits at ((n * blocks + c / lanes) * S + s) * lanes
// + c % lanes. Lanes 1 is our plain layout; 16 is oneDNN's nChw16c (and its
// 1-D and 3-D forms) for a channel count 16 divides (no padding channels).
#pragma once

#include <cstdint>

namespace cnn {
namespace norm {

struct ChannelView {
  // The one blocked width the passes take (nChw16c, AVX-512's); other
  // layouts are read plain.
  static constexpr int kBlockedLanes = 16;
  int64_t num = 0, channels = 0, spatial = 0;
  int lanes = 1;  // 1 or kBlockedLanes
  int64_t blocks() const { return (channels + lanes - 1) / lanes; }
  // Values of a buffer in this view, padding included.
  int64_t size() const { return num * blocks() * spatial * lanes; }
};

// The Scale and ReLU taken in: gamma and beta per channel (beta may be
// null: a Scale without bias), the ReLU's slope where there is one.
struct AffineAct {
  const float* gamma = nullptr;
  const float* beta = nullptr;
  bool relu = false;
  float negative_slope = 0.f;
};

// Per channel, the mean and the biased variance of x over items and
// positions, in one pass: sums in double of x - k and (x - k)^2 with k the
// channel's first value (which spares the cancellation of E[x^2] - E[x]^2).
// Channels are independent, so the result does not depend on the thread
// count. Both CPU engines' BatchNorm use it, fused or not.
void ChannelMoments(const ChannelView& v, const float* x, float* mean, double* var);

// y = act(x_hat * gamma + beta), writing x_hat too where it is not null
// (the backward pass reads it). In place (y == x) is fine.
void BnAffineForward(const ChannelView& v, const float* x, const float* mean, const float* inv_std,
                     const AffineAct& a, float* x_hat, float* y);

// The gradients through act, the affine map and the normalisation, from dy
// and the x_hat the forward pass kept (the ReLU's branch is recomputed from
// it, as the unfused ReLU reads it from its output). Where not null, adds
// sum(dz * x_hat) to dgamma and sum(dz) to dbeta (parameter gradients
// accumulate) and writes dx: with batch statistics through the mean and
// variance, with global ones dz * gamma * inv_std. dx may be dy.
void BnAffineBackward(const ChannelView& v, const float* dy, const float* x_hat, const float* inv_std,
                      const AffineAct& a, bool batch_stats, float* dgamma, float* dbeta, float* dx);

}  // namespace norm
}  // namespace cnn
