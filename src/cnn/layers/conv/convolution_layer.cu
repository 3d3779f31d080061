#include "cnn/layers/conv/convolution_layer.hpp"

#include <algorithm>
#include <cstdint>

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/layers/conv/channel_bias_gpu.hpp"
#include "cnn/layers/conv/depthwise_conv.hpp"
#include "cnn/gpu/device_context.hpp"
#include "cnn/gpu/math_gpu.hpp"

namespace cnn {
namespace {

// Column and product buffers of one step stay within this many bytes. They
// live in the device's shared workspace, so the budget is paid once per
// device, not once per layer; 64 MiB lowers a whole LeNet or CIFAR batch at
// once and still a dozen AlexNet conv1 images.
constexpr int64_t kGpuScratchBytes = int64_t{64} << 20;
// A 1x1 convolution whose single-image product is at least this wide runs
// well without batching, and then needs neither im2col nor a scatter.
constexpr int64_t kGpuDirectColumns = 1024;
// The product buffer starts on a 256-byte boundary, which cuBLAS prefers.
constexpr int64_t kAlignFloats = 64;

// The layout kernels index within one top blob, whose count is an int, so
// they divide in 32 bits (64-bit division costs several times more).

// A chunk's product (channels x count*out_size, channel-major) into the top's
// (count, channels, out_size) layout, adding the bias on the way.
__global__ void ScatterChunkKernel(long long n, const float* __restrict__ src, int columns, int channels,
                                   int out_size, const float* __restrict__ bias, float* __restrict__ dst) {
  CNN_KERNEL_LOOP(i, n) {
    const int k = static_cast<int>(i);
    const int j = k % out_size;
    const int image_channel = k / out_size;
    const int c = image_channel % channels;
    const int image = image_channel / channels;
    const float v = src[c * columns + image * out_size + j];
    dst[i] = bias ? v + bias[c] : v;
  }
}

// The inverse layout change for the top gradient: (count, channels,
// out_size) into channels x count*out_size.
__global__ void GatherChunkKernel(long long n, const float* __restrict__ src, int columns, int channels,
                                  int out_size, float* __restrict__ dst) {
  CNN_KERNEL_LOOP(i, n) {
    const int k = static_cast<int>(i);
    const int column = k % columns;
    const int c = k / columns;
    const int image = column / out_size;
    const int j = column % out_size;
    dst[i] = src[(image * channels + c) * out_size + j];
  }
}

// y (num, channels, out_size) += bias[channel].
__global__ void AddBiasKernel(long long n, const float* __restrict__ bias, int channels, int out_size,
                              float* __restrict__ y) {
  CNN_KERNEL_LOOP(i, n) y[i] += bias[(static_cast<int>(i) / out_size) % channels];
}

// bias_diff[c] += the sum of dy over every image and position of channel c:
// one block per channel, a fixed tree reduction, so the sum repeats exactly.
__global__ void BiasGradKernel(int num, int channels, int out_size, const float* __restrict__ dy,
                               float* __restrict__ bias_diff) {
  __shared__ float partial[gpu::kThreads];
  const int c = blockIdx.x;
  // Thread t visits flat positions t, t + blockDim.x, ... of the channel's
  // num x out_size values; (image, j) advances by a fixed step instead of
  // being divided out for every element.
  const int step_images = blockDim.x / out_size, step_j = blockDim.x % out_size;
  int image = threadIdx.x / out_size, j = threadIdx.x % out_size;
  float sum = 0.f;
  while (image < num) {
    sum += dy[(static_cast<long long>(image) * channels + c) * out_size + j];
    image += step_images;
    j += step_j;
    if (j >= out_size) {
      j -= out_size;
      ++image;
    }
  }
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) bias_diff[c] += partial[0];
}

// The step's column matrix and channel-major product, carved from the shared
// workspace (taken once per pass: its pointer changes when it grows).
struct Scratch {
  float* col = nullptr;
  float* out = nullptr;
};

Scratch TakeScratch(int64_t col_floats, int64_t out_floats) {
  Scratch s;
  const int64_t col_padded = (col_floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  const int64_t total = col_padded + out_floats;
  if (total == 0) return s;
  float* base = static_cast<float*>(gpu::SharedWorkspace(static_cast<size_t>(total) * sizeof(float)));
  if (col_floats > 0) s.col = base;
  if (out_floats > 0) s.out = base + col_padded;
  return s;
}

}  // namespace

void AddChannelBiasGpu(int num, int channels, int spatial, const float* bias, float* y) {
  const long long n = static_cast<long long>(num) * channels * spatial;
  if (n == 0) return;
  AddBiasKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, bias, channels, spatial, y);
  CNN_KERNEL_CHECK();
}

void AccumulateChannelBiasGradGpu(int num, int channels, int spatial, const float* dy, float* bias_diff) {
  if (channels == 0 || spatial == 0) return;
  BiasGradKernel<<<channels, gpu::kThreads>>>(num, channels, spatial, dy, bias_diff);
  CNN_KERNEL_CHECK();
}

int ConvolutionLayer::gpu_chunk_size() const {
  const int64_t out_size = geom_.out_size();
  int64_t chunk;
  if (is_1x1_ && out_size >= kGpuDirectColumns) {
    chunk = 1;
  } else {
    const int64_t per_image = (static_cast<int64_t>(geom_.col_rows()) + num_output_) * out_size *
                              static_cast<int64_t>(sizeof(float));
    chunk = std::min<int64_t>(kGpuScratchBytes / std::max<int64_t>(per_image, 1), std::max(num_, 1));
  }
  if (max_gpu_chunk_ > 0) chunk = std::min<int64_t>(chunk, max_gpu_chunk_);
  return static_cast<int>(std::max<int64_t>(chunk, 1));
}

// With a chunk of one image the product of each group already has the top's
// layout and lands there; the 1x1 path then also reads (and back-propagates
// into) the images themselves instead of a column matrix. Larger chunks go
// through the channel-major product buffer, as on the CPU.
void ConvolutionLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(bottom)) return ConvolutionLayer::Forward_gpu(padded_.PadData(bottom, true), top);
  if (num_ == 0) return;
  if (uses_depthwise()) {
    const float* bias = bias_term_ ? blobs_[1]->gpu_data() : nullptr;
    for (size_t i = 0; i < bottom.size(); ++i) {
      DepthwiseForwardGpu(bottom[i]->gpu_data(), num_, geom_.As2d(), num_output_ / group_, blobs_[0]->gpu_data(), bias,
                          top[i]->mutable_gpu_data());
    }
    return;
  }
  const int out_size = geom_.out_size();
  const int64_t out_dim = static_cast<int64_t>(num_output_) * out_size;
  const int64_t in_dim = geom_.image_size();
  const int m = num_output_ / group_;
  const int k = geom_.col_rows() / group_;
  const int chunk = gpu_chunk_size();
  const bool direct_out = chunk == 1;
  const bool direct_in = is_1x1_ && direct_out;
  const int64_t max_columns = static_cast<int64_t>(chunk) * out_size;
  const Scratch scratch = TakeScratch(direct_in ? 0 : geom_.col_rows() * max_columns,
                                      direct_out ? 0 : num_output_ * max_columns);
  const float* weight = blobs_[0]->gpu_data();
  const float* bias = bias_term_ ? blobs_[1]->gpu_data() : nullptr;
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* input = bottom[i]->gpu_data();
    float* output = top[i]->mutable_gpu_data();
    for (int n0 = 0; n0 < num_; n0 += chunk) {
      const int count = std::min(chunk, num_ - n0);
      const int columns = count * out_size;
      const float* images = input + n0 * in_dim;
      const float* col = images;
      if (!direct_in) {
        Im2ColGpu(images, count, geom_, scratch.col, force_nd_);
        col = scratch.col;
      }
      float* out = direct_out ? output + n0 * out_dim : scratch.out;
      for (int g = 0; g < group_; ++g) {
        gpu_gemm(false, false, m, columns, k, 1.f, weight + static_cast<int64_t>(g) * m * k,
                 col + static_cast<int64_t>(g) * k * columns, 0.f, out + static_cast<int64_t>(g) * m * columns);
      }
      if (!direct_out) {
        const long long n = static_cast<long long>(count) * out_dim;
        ScatterChunkKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, out, columns, num_output_, out_size, bias,
                                                              output + n0 * out_dim);
        CNN_KERNEL_CHECK();
      }
    }
    if (direct_out && bias) {
      const long long n = static_cast<long long>(num_) * out_dim;
      AddBiasKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, bias, num_output_, out_size, output);
      CNN_KERNEL_CHECK();
    }
  }
}

void ConvolutionLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  if (padded_.Wraps(bottom)) {
    ConvolutionLayer::Backward_gpu(top, propagate_down, padded_.buffers());
    return padded_.FoldDiff(bottom, propagate_down, true);
  }
  if (num_ == 0) return;
  if (uses_depthwise()) {
    const bool weight_grad = param_propagate_down(0);
    const bool bias_grad = bias_term_ && param_propagate_down(1);
    const int multiplier = num_output_ / group_;
    for (size_t i = 0; i < top.size(); ++i) {
      const float* top_diff = top[i]->gpu_diff();
      if (bias_grad) {
        AccumulateChannelBiasGradGpu(num_, num_output_, geom_.out_size(), top_diff, blobs_[1]->mutable_gpu_diff());
      }
      if (weight_grad) {
        DepthwiseBackwardWeightGpu(top_diff, bottom[i]->gpu_data(), num_, geom_.As2d(), multiplier,
                                   blobs_[0]->mutable_gpu_diff());
      }
      if (propagate_down[i]) {
        DepthwiseBackwardDataGpu(top_diff, num_, geom_.As2d(), multiplier, blobs_[0]->gpu_data(),
                                 bottom[i]->mutable_gpu_diff());
      }
    }
    return;
  }
  const int out_size = geom_.out_size();
  const int64_t out_dim = static_cast<int64_t>(num_output_) * out_size;
  const int64_t in_dim = geom_.image_size();
  const int m = num_output_ / group_;
  const int k = geom_.col_rows() / group_;
  const int chunk = gpu_chunk_size();
  const bool direct_out = chunk == 1;
  const bool direct_in = is_1x1_ && direct_out;
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);

  bool any = false;
  for (size_t i = 0; i < top.size(); ++i) any = any || weight_grad || propagate_down[i];
  const int64_t max_columns = static_cast<int64_t>(chunk) * out_size;
  const Scratch scratch =
      any ? TakeScratch(direct_in ? 0 : geom_.col_rows() * max_columns, direct_out ? 0 : num_output_ * max_columns)
          : Scratch();
  const float* weight = blobs_[0]->gpu_data();
  float* weight_diff = weight_grad ? blobs_[0]->mutable_gpu_diff() : nullptr;

  for (size_t i = 0; i < top.size(); ++i) {
    if (!bias_grad && !weight_grad && !propagate_down[i]) continue;
    const float* top_diff = top[i]->gpu_diff();
    if (bias_grad) {
      BiasGradKernel<<<num_output_, gpu::kThreads>>>(num_, num_output_, out_size, top_diff,
                                                     blobs_[1]->mutable_gpu_diff());
      CNN_KERNEL_CHECK();
    }
    if (!weight_grad && !propagate_down[i]) continue;
    const float* input = weight_grad ? bottom[i]->gpu_data() : nullptr;
    float* bottom_diff = propagate_down[i] ? bottom[i]->mutable_gpu_diff() : nullptr;
    for (int n0 = 0; n0 < num_; n0 += chunk) {
      const int count = std::min(chunk, num_ - n0);
      const int columns = count * out_size;
      const float* dout = top_diff + n0 * out_dim;
      if (!direct_out) {
        const long long n = static_cast<long long>(count) * out_dim;
        GatherChunkKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, dout, columns, num_output_, out_size,
                                                             scratch.out);
        CNN_KERNEL_CHECK();
        dout = scratch.out;
      }
      if (weight_grad) {
        const float* images = input + n0 * in_dim;
        const float* col = images;
        if (!direct_in) {
          Im2ColGpu(images, count, geom_, scratch.col, force_nd_);
          col = scratch.col;
        }
        for (int g = 0; g < group_; ++g) {
          gpu_gemm(false, true, m, k, columns, 1.f, dout + static_cast<int64_t>(g) * m * columns,
                   col + static_cast<int64_t>(g) * k * columns, 1.f, weight_diff + static_cast<int64_t>(g) * m * k);
        }
      }
      if (bottom_diff) {
        float* images_diff = bottom_diff + n0 * in_dim;
        // The column gradient overwrites the columns the weight gradient
        // just read: both are queued on one stream, in this order.
        float* dcol = direct_in ? images_diff : scratch.col;
        for (int g = 0; g < group_; ++g) {
          gpu_gemm(true, false, k, columns, m, 1.f, weight + static_cast<int64_t>(g) * m * k,
                   dout + static_cast<int64_t>(g) * m * columns, 0.f, dcol + static_cast<int64_t>(g) * k * columns);
        }
        if (!direct_in) Col2ImGpu(dcol, count, geom_, images_diff, force_nd_);
      }
    }
  }
}

}  // namespace cnn
