// LRN (local response normalisation), Caffe semantics, on 4-D (N, C, H, W):
//   ACROSS_CHANNELS: scale = k + alpha / n * sum of x^2 over the n channels
//                    centred on the unit (zero beyond the edges);
//   WITHIN_CHANNEL:  scale = 1 + alpha / n^2 * sum of x^2 over the n x n
//                    spatial window centred on the unit (zero padded; k unused,
//                    as in Caffe's pooling-based composition);
//   top = bottom * scale^-beta, with n = local_size, which must be odd.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class LRNLayer : public Layer {
 public:
  explicit LRNLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "LRN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  // One image (C planes of H*W) across channels.
  void CrossChannelForward(const float* x, float* scale, float* y, float* acc) const;
  void CrossChannelBackward(const float* x, const float* y, const float* scale, const float* dy, float* dx,
                            float* ratio, float* acc) const;
  // One H x W plane within its channel.
  void WithinChannelForward(const float* x, float* scale, float* y, float* tmp, float* sq) const;
  void WithinChannelBackward(const float* x, const float* y, const float* scale, const float* dy, float* dx,
                             float* tmp, float* ratio) const;
  // out = sum of `in` over the local_size x local_size window, zero padded.
  void BoxSum(const float* in, float* tmp, float* out) const;
  // y[i] = x[i] * s[i]^-beta.
  void ApplyPower(int n, const float* x, const float* s, float* y) const;
  // Per-thread scratch of `per_thread` floats; returns the base pointer.
  float* Scratch(int per_thread);

  int size_ = 5;
  int pre_pad_ = 2;
  float alpha_ = 1.f;
  float beta_ = 0.75f;
  float k_ = 1.f;
  LRNParameter::NormRegion region_ = LRNParameter::ACROSS_CHANNELS;
  int num_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  // k + alpha/n * sum (or 1 + alpha/n^2 * sum): what backward needs.
  Blob scale_;
  // The input, kept when running in place, where the top overwrites it.
  Blob bottom_copy_;
  std::vector<float> scratch_;
};

}  // namespace cnn
