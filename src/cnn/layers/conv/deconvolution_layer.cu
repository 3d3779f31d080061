#include "cnn/layers/conv/deconvolution_layer.hpp"

#include <cstdint>

#include "cnn/gpu/device_context.hpp"
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/layers/conv/channel_bias_gpu.hpp"

namespace cnn {

// The CPU order of work on device arrays: the column matrix of one image
// lives in the device's shared workspace (taken once per pass: its pointer
// changes when it grows).
void DeconvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(top)) {
    DeconvolutionLayer::Forward_gpu(bottom, padded_.buffers());
    return padded_.FoldData(top, true);
  }
  if (num_ == 0) return;
  const int in_size = geom_.out_size();
  const int top_spatial = geom_.in_size();
  const int64_t in_dim = static_cast<int64_t>(in_channels_) * in_size;
  const int64_t out_dim = geom_.image_size();
  const int m = in_channels_ / group_;
  const int k = geom_.col_rows() / group_;
  float* scratch = is_1x1_ ? nullptr
                           : static_cast<float*>(gpu::SharedWorkspace(static_cast<size_t>(geom_.col_rows()) *
                                                                      in_size * sizeof(float)));
  const float* weight = blobs_[0]->gpu_data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* input = bottom[i]->gpu_data();
    float* output = top[i]->mutable_gpu_data();
    for (int n = 0; n < num_; ++n) {
      float* image = output + n * out_dim;
      float* col = is_1x1_ ? image : scratch;
      for (int g = 0; g < group_; ++g) {
        gpu_gemm(true, false, k, in_size, m, 1.f, weight + static_cast<int64_t>(g) * m * k,
                 input + n * in_dim + static_cast<int64_t>(g) * m * in_size, 0.f,
                 col + static_cast<int64_t>(g) * k * in_size);
      }
      if (!is_1x1_) Col2ImGpu(col, 1, geom_, image, force_nd_);
    }
    if (bias_term_) AddChannelBiasGpu(num_, num_output_, top_spatial, blobs_[1]->gpu_data(), output);
  }
}

void DeconvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  if (padded_.Wraps(top)) return DeconvolutionLayer::Backward_gpu(padded_.PadDiff(top, true), propagate_down, bottom);
  if (num_ == 0) return;
  const int in_size = geom_.out_size();
  const int top_spatial = geom_.in_size();
  const int64_t in_dim = static_cast<int64_t>(in_channels_) * in_size;
  const int64_t out_dim = geom_.image_size();
  const int m = in_channels_ / group_;
  const int k = geom_.col_rows() / group_;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool any = false;
  for (size_t i = 0; i < top.size(); ++i) any = any || weight_grad || propagate_down[i];
  float* scratch = (!any || is_1x1_)
                       ? nullptr
                       : static_cast<float*>(gpu::SharedWorkspace(static_cast<size_t>(geom_.col_rows()) * in_size *
                                                                  sizeof(float)));
  const float* weight = blobs_[0]->gpu_data();
  float* weight_diff = weight_grad ? blobs_[0]->mutable_gpu_diff() : nullptr;
  for (size_t i = 0; i < top.size(); ++i) {
    const float* top_diff = top[i]->gpu_diff();
    if (bias_grad) AccumulateChannelBiasGradGpu(num_, num_output_, top_spatial, top_diff, blobs_[1]->mutable_gpu_diff());
    if (!weight_grad && !propagate_down[i]) continue;
    const float* input = weight_grad ? bottom[i]->gpu_data() : nullptr;
    float* bottom_diff = propagate_down[i] ? bottom[i]->mutable_gpu_diff() : nullptr;
    for (int n = 0; n < num_; ++n) {
      const float* dimage = top_diff + n * out_dim;
      const float* col = dimage;
      if (!is_1x1_) {
        Im2ColGpu(dimage, 1, geom_, scratch, force_nd_);
        col = scratch;
      }
      for (int g = 0; g < group_; ++g) {
        const float* col_g = col + static_cast<int64_t>(g) * k * in_size;
        const int64_t x_off = n * in_dim + static_cast<int64_t>(g) * m * in_size;
        if (weight_grad) {
          gpu_gemm(false, true, m, k, in_size, 1.f, input + x_off, col_g, 1.f,
                   weight_diff + static_cast<int64_t>(g) * m * k);
        }
        if (bottom_diff) {
          gpu_gemm(false, false, m, in_size, k, 1.f, weight + static_cast<int64_t>(g) * m * k, col_g, 0.f,
                   bottom_diff + x_off);
        }
      }
    }
  }
}

}  // namespace cnn
