#include "cnn/layers/conv/convolution_layer.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "cnn/core/common.hpp"
#include "cnn/core/cpu_workspace.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/conv/conv_geometry_param.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/layers/conv/depthwise_conv.hpp"

namespace cnn {
namespace {

// A chunk of images is lowered together until its column matrix has about
// this many columns: a two-thread sgemm over one small image (LeNet's 8x8 =
// 64 columns) runs at a third of the speed it reaches over a few thousand.
constexpr int64_t kTargetColumns = 4096;
// ... but the column matrix stays small enough to be read back from cache:
// measured on 2 cores, products over column buffers past ~8 MiB ran 25-50%
// slower. A single image is lowered whole whatever its size.
constexpr int64_t kMaxColumnBytes = int64_t{4} << 20;
// A weight gradient with fewer entries than this (LeNet's conv1 has 500) is
// a product with a tiny output and a long reduction. Multi-threaded OpenBLAS
// splits the output and synchronises once per block of the reduction, which
// measured 2x slower than running the reduction as single-threaded slices of
// kReductionSlice columns.
constexpr int kSmallWeightGradient = 1024;
constexpr int kReductionSlice = 256;

// weight_diff (m x k) += dout (m x columns) * col^T (k x columns), in slices
// of the reduction when the output is small (see kSmallWeightGradient).
void AccumulateWeightGradient(int m, int k, int64_t columns, const float* dout, const float* col,
                              float* weight_diff) {
  const int64_t slice = m * k < kSmallWeightGradient ? kReductionSlice : columns;
  for (int64_t j = 0; j < columns; j += slice) {
    const int n = static_cast<int>(std::min(slice, columns - j));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1.f, dout + j, static_cast<int>(columns),
                col + j, static_cast<int>(columns), 1.f, weight_diff, k);
  }
}

}  // namespace

void ConvolutionLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  const std::string w = where();
  channel_axis_ = ReadConvWindow(p, *bottom[0], w, &geom_);
  force_nd_ = p.force_nd_im2col();
  // A border of real values is made by padded_; the layer's own code then
  // sees an unpadded input.
  padded_.padding().Configure(p.padding_mode(), std::vector<int>(geom_.pad, geom_.pad + geom_.axes));
  if (padded_.padding().active()) std::fill(geom_.pad, geom_.pad + geom_.axes, 0);
  is_1x1_ = geom_.is_1x1();

  geom_.channels = bottom[0]->shape(channel_axis_);
  CNN_CHECK(p.has_num_output() && p.num_output() > 0, w << "needs a positive num_output");
  num_output_ = static_cast<int>(p.num_output());
  CNN_CHECK(p.group() > 0, w << "group must be positive, got " << p.group());
  group_ = static_cast<int>(p.group());
  CNN_CHECK(geom_.channels % group_ == 0,
            w << "input channels " << geom_.channels << " not divisible by group " << group_);
  CNN_CHECK(num_output_ % group_ == 0,
            w << "num_output " << num_output_ << " not divisible by group " << group_);
  bias_term_ = p.bias_term();
  CheckOrCreateBlobs();
}

std::vector<int> ConvolutionLayer::WeightShape() const {
  std::vector<int> shape = {num_output_, geom_.channels / group_};
  shape.insert(shape.end(), geom_.kernel, geom_.kernel + geom_.axes);
  return shape;
}

void ConvolutionLayer::CheckOrCreateBlobs() {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  const std::vector<int> weight_shape = WeightShape();
  const std::vector<int> bias_shape = {num_output_};
  const size_t expected = bias_term_ ? 2 : 1;
  int64_t weights = 1;
  for (int d : weight_shape) weights = std::min<int64_t>(weights * d, int64_t{INT_MAX} + 1);
  CNN_CHECK(weights <= INT_MAX, where() << "weights " << AxesText(weight_shape.data(),
                                                                   static_cast<int>(weight_shape.size()), " ")
                                        << " " << WeightAxes() << " pass 2^31 - 1 entries (window too large)");
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == expected, where() << "given " << blobs_.size()
                                                 << " parameter blob(s), expected " << expected
                                                 << (bias_term_ ? " (weights and bias)" : " (weights)"));
    CNN_CHECK(blobs_[0]->shape() == weight_shape, where() << "weights have shape " << blobs_[0]->shape_string()
                                                          << ", expected "
                                                          << AxesText(weight_shape.data(),
                                                                      static_cast<int>(weight_shape.size()), " ")
                                                          << " " << WeightAxes());
    CNN_CHECK(!bias_term_ || blobs_[1]->shape() == bias_shape,
              where() << "bias has shape " << blobs_[1]->shape_string() << ", expected " << num_output_);
  } else {
    blobs_.push_back(std::make_shared<Blob>(weight_shape));
    CreateFiller(p.weight_filler())->Fill(blobs_[0].get());
    if (bias_term_) {
      blobs_.push_back(std::make_shared<Blob>(bias_shape));
      CreateFiller(p.bias_filler())->Fill(blobs_[1].get());
    }
  }
  param_propagate_down_.assign(blobs_.size(), true);
}

void ConvolutionLayer::ReadGeometry(const Blob& bottom) {
  ReadConvInput(bottom, channel_axis_, where(), &geom_);
  CNN_CHECK(bottom.shape(channel_axis_) == geom_.channels,
            where() << "input has " << bottom.shape(channel_axis_) << " channels but the weights expect "
                    << geom_.channels);
  num_ = bottom.count(0, channel_axis_);
}

void ConvolutionLayer::ChooseChunk() {
  const int64_t out_size = geom_.out_size();
  const int64_t column_bytes = static_cast<int64_t>(geom_.col_rows()) * out_size * sizeof(float);
  int64_t chunk = (kTargetColumns + out_size - 1) / out_size;
  chunk = std::min<int64_t>(chunk, kMaxColumnBytes / std::max<int64_t>(column_bytes, 1));
  chunk_ = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(chunk, std::max(num_, 1))));
}

void ConvolutionLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(bottom)) {
    return ConvolutionLayer::Reshape(padded_.ReshapeFromSources(bottom, channel_axis_ + 1, where()), top);
  }
  ReadGeometry(*bottom[0]);
  for (size_t i = 1; i < bottom.size(); ++i) {
    CNN_CHECK(bottom[i]->shape() == bottom[0]->shape(),
              where() << "bottom " << i << " has shape " << bottom[i]->shape_string() << " but bottom 0 has "
                      << bottom[0]->shape_string() << "; all inputs must match");
  }
  std::vector<int> top_shape(bottom[0]->shape().begin(), bottom[0]->shape().begin() + channel_axis_);
  top_shape.push_back(num_output_);
  for (int a = 0; a < geom_.axes; ++a) top_shape.push_back(geom_.out(a));
  for (Blob* t : top) t->Reshape(top_shape);

  ChooseChunk();
  const int columns = chunk_ * geom_.out_size();
  // The column buffers are borrowed per pass (BorrowChunkBuffers), not sized
  // here: engines deriving from this layer (oneDNN, cuDNN) and the GPU path
  // never use them.
  if (bias_term_ && ones_.size() != static_cast<size_t>(columns)) ones_.assign(columns, 1.f);
}

ConvolutionLayer::ChunkBuffers ConvolutionLayer::BorrowChunkBuffers() const {
  const size_t columns = static_cast<size_t>(chunk_) * geom_.out_size();
  const size_t col = is_1x1_ && chunk_ == 1 ? 0 : static_cast<size_t>(geom_.col_rows()) * columns;
  const size_t out = chunk_ > 1 ? static_cast<size_t>(num_output_) * columns : 0;
  float* base = CpuWorkspace::ThisThread().Get(TwoRegions(col, out));
  return {base, SecondRegion(base, col)};
}

const float* ConvolutionLayer::Columns(const float* input, int n0, int count, float* col) {
  const float* images = input + static_cast<int64_t>(n0) * geom_.image_size();
  if (is_1x1_ && count == 1) return images;
  Im2Col(images, count, geom_, col, force_nd_);
  return col;
}

void ConvolutionLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (padded_.Wraps(bottom)) return ConvolutionLayer::Forward_cpu(padded_.PadData(bottom, false), top);
  const int out_size = geom_.out_size();
  const int out_dim = num_output_ * out_size;
  const int m = num_output_ / group_;       // output channels per group
  const int k = geom_.col_rows() / group_;  // column rows per group
  const float* weight = blobs_[0]->cpu_data();
  const float* bias = bias_term_ ? blobs_[1]->cpu_data() : nullptr;
  if (uses_depthwise()) {
    for (size_t i = 0; i < bottom.size(); ++i) {
      DepthwiseForward(bottom[i]->cpu_data(), num_, geom_.As2d(), num_output_ / group_, weight, bias,
                       top[i]->mutable_cpu_data());
    }
    return;
  }
  // The tops first: a top too large for memory is then named as the blob it is.
  for (Blob* t : top) t->mutable_cpu_data();
  const ChunkBuffers buffers = BorrowChunkBuffers();
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* input = bottom[i]->cpu_data();
    float* output = top[i]->mutable_cpu_data();
    for (int n0 = 0; n0 < num_; n0 += chunk_) {
      const int count = std::min(chunk_, num_ - n0);
      const int64_t columns = static_cast<int64_t>(count) * out_size;
      const float* col = Columns(input, n0, count, buffers.col);
      // One image's product already has the top's layout; several images'
      // products come out channel-major and are scattered below.
      float* out = count == 1 ? output + static_cast<int64_t>(n0) * out_dim : buffers.out;
      for (int g = 0; g < group_; ++g) {
        cpu_gemm(false, false, m, static_cast<int>(columns), k, 1.f, weight + static_cast<int64_t>(g) * m * k,
                 col + g * k * columns, 0.f, out + g * m * columns);
      }
      float* dst = output + static_cast<int64_t>(n0) * out_dim;
      if (count == 1) {
        if (bias) {
          for (int c = 0; c < num_output_; ++c) cpu_add_scalar(out_size, bias[c], dst + c * out_size);
        }
        continue;
      }
      const int outputs = num_output_;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(columns * outputs))
      for (int b = 0; b < count; ++b) {
        for (int c = 0; c < outputs; ++c) {
          const float* s = out + c * columns + static_cast<int64_t>(b) * out_size;
          float* d = dst + (static_cast<int64_t>(b) * outputs + c) * out_size;
          const float add = bias ? bias[c] : 0.f;
          for (int j = 0; j < out_size; ++j) d[j] = s[j] + add;
        }
      }
    }
  }
}

void ConvolutionLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  if (padded_.Wraps(bottom)) {
    ConvolutionLayer::Backward_cpu(top, propagate_down, padded_.buffers());
    return padded_.FoldDiff(bottom, propagate_down, false);
  }
  const int out_size = geom_.out_size();
  const int out_dim = num_output_ * out_size;
  const int in_dim = geom_.image_size();
  const int m = num_output_ / group_;
  const int k = geom_.col_rows() / group_;
  const float* weight = blobs_[0]->cpu_data();
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  float* weight_diff = weight_grad ? blobs_[0]->mutable_cpu_diff() : nullptr;

  if (uses_depthwise()) {
    const int multiplier = num_output_ / group_;
    for (size_t i = 0; i < top.size(); ++i) {
      const float* top_diff = top[i]->cpu_diff();
      if (bias_grad) {
        for (int n = 0; n < num_; ++n) {
          cpu_gemv(false, num_output_, out_size, 1.f, top_diff + static_cast<int64_t>(n) * out_dim, ones_.data(),
                   1.f, blobs_[1]->mutable_cpu_diff());
        }
      }
      if (weight_grad) {
        DepthwiseBackwardWeight(top_diff, bottom[i]->cpu_data(), num_, geom_.As2d(), multiplier, weight_diff);
      }
      if (propagate_down[i]) {
        DepthwiseBackwardData(top_diff, num_, geom_.As2d(), multiplier, weight, bottom[i]->mutable_cpu_diff());
      }
    }
    return;
  }

  const ChunkBuffers buffers = BorrowChunkBuffers();
  for (size_t i = 0; i < top.size(); ++i) {
    if (!bias_grad && !weight_grad && !propagate_down[i]) continue;
    const float* top_diff = top[i]->cpu_diff();
    const float* input = bottom[i]->cpu_data();
    float* bottom_diff = propagate_down[i] ? bottom[i]->mutable_cpu_diff() : nullptr;
    for (int n0 = 0; n0 < num_; n0 += chunk_) {
      const int count = std::min(chunk_, num_ - n0);
      const int64_t columns = static_cast<int64_t>(count) * out_size;
      const float* src = top_diff + static_cast<int64_t>(n0) * out_dim;
      const float* dout = src;
      if (count > 1) {
        // Gather the chunk's top gradient into the channel-major layout of the
        // forward product.
        float* gathered = buffers.out;
        const int outputs = num_output_;
#pragma omp parallel for collapse(2) schedule(static) if (ParallelLoopPays(columns * outputs))
        for (int b = 0; b < count; ++b) {
          for (int c = 0; c < outputs; ++c) {
            std::memcpy(gathered + c * columns + static_cast<int64_t>(b) * out_size,
                        src + (static_cast<int64_t>(b) * outputs + c) * out_size, sizeof(float) * out_size);
          }
        }
        dout = gathered;
      }
      if (bias_grad) {
        // Row sums as a product with ones: BLAS vectorises what a plain float
        // loop must add one value at a time.
        cpu_gemv(false, num_output_, static_cast<int>(columns), 1.f, dout, ones_.data(), 1.f,
                 blobs_[1]->mutable_cpu_diff());
      }
      if (weight_grad) {
        const float* col = Columns(input, n0, count, buffers.col);
        for (int g = 0; g < group_; ++g) {
          AccumulateWeightGradient(m, k, columns, dout + g * m * columns, col + g * k * columns,
                                   weight_diff + static_cast<int64_t>(g) * m * k);
        }
      }
      if (bottom_diff) {
        float* images_diff = bottom_diff + static_cast<int64_t>(n0) * in_dim;
        const bool direct = is_1x1_ && count == 1;
        // The 1x1 path's column matrix is the input itself, so its gradient
        // lands in the bottom diff without a col2im.
        float* dcol = direct ? images_diff : buffers.col;
        for (int g = 0; g < group_; ++g) {
          cpu_gemm(true, false, k, static_cast<int>(columns), m, 1.f,
                   weight + static_cast<int64_t>(g) * m * k, dout + g * m * columns, 0.f,
                   dcol + g * k * columns);
        }
        if (!direct) Col2Im(dcol, count, geom_, images_diff, force_nd_);
      }
    }
  }
}

CNN_REGISTER_LAYER(Convolution, ConvolutionLayer);

}  // namespace cnn
