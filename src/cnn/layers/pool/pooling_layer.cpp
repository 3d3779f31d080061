#include "cnn/layers/pool/pooling_layer.hpp"

#include <algorithm>
#include <cfloat>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/layers/pool/ave_span.hpp"
#include "cnn/layers/pool/max_pool_step.hpp"

namespace cnn {
namespace {

// The windows along one axis that lie wholly inside the input: [lo, hi).
// Their taps are taken tap by tap across all of them (strided loads that
// vectorise, where one window's two or three taps would not); the windows
// clipped by the border go one at a time.
struct WholeWindows {
  WholeWindows(int size, int pad, int stride, int kernel, int pooled) {
    lo = std::min((pad + stride - 1) / stride, pooled);
    const int last_start = size + pad - kernel;  // the last whole window starts at or before this
    hi = last_start < 0 ? lo : std::max(std::min(last_start / stride + 1, pooled), lo);
  }
  int lo, hi;
};

// AVE's windows along a row: what each reads, and its divisor's extent as a
// float (exact: extents are small integers).
struct AveColumns {
  AveColumns(int pooled, int stride, int pad, int kernel, int size) : span(pooled), extent(pooled) {
    for (int i = 0; i < pooled; ++i) {
      span[i] = AveSpanAt(i, stride, pad, kernel, size);
      extent[i] = static_cast<float>(span[i].extent);
    }
  }
  std::vector<AveSpan> span;
  std::vector<float> extent;
};

// Calls op(stride) with the common strides 1 and 2 as compile-time constants,
// so the strided loads and stores in op's loops vectorise as shuffles instead
// of index arithmetic and gathers.
template <typename Op>
void WithStride(int stride, Op op) {
  if (stride == 1) {
    op(std::integral_constant<int, 1>());
  } else if (stride == 2) {
    op(std::integral_constant<int, 2>());
  } else {
    op(stride);
  }
}

}  // namespace

int PoolingLayer::PooledSize(int in, int kernel, int pad, int stride, bool ceil_mode) {
  const int span = in + 2 * pad - kernel;
  int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // Ceil mode may add a window that starts past the image: inside the
  // right/bottom padding, or (stride > kernel, no padding) wholly outside the
  // input. Caffe drops the first kind only and reads the second as an empty
  // window, which has no maximum; like PyTorch we drop both, so every window
  // overlaps the image.
  if ((out - 1) * stride >= in + pad) --out;
  return out;
}

void PoolingLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const PoolingParameter& p = layer_param_.pooling_param();
  const std::string w = where();
  method_ = p.pool();
  global_ = p.global_pooling();
  ceil_mode_ = p.round_mode() == PoolingParameter::CEIL;
  if (global_) {
    CNN_CHECK(
        !p.has_kernel_size() && !p.has_kernel_h() && !p.has_kernel_w(),
        w << "global_pooling takes its window from the input; do not give kernel_size or kernel_h/kernel_w");
  } else {
    CNN_CHECK(p.has_kernel_size() != (p.has_kernel_h() || p.has_kernel_w()),
              w << "give either kernel_size or kernel_h and kernel_w (exactly one of the two forms)");
    CNN_CHECK(p.has_kernel_size() || (p.has_kernel_h() && p.has_kernel_w()),
              w << "a rectangular window needs both kernel_h and kernel_w");
    kernel_h_ = static_cast<int>(p.has_kernel_size() ? p.kernel_size() : p.kernel_h());
    kernel_w_ = static_cast<int>(p.has_kernel_size() ? p.kernel_size() : p.kernel_w());
    CNN_CHECK(kernel_h_ > 0 && kernel_w_ > 0,
              w << "kernel must be positive, got " << kernel_h_ << "x" << kernel_w_);
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    CNN_CHECK(!p.has_pad() && p.has_pad_h() && p.has_pad_w(), w << "give either pad or both pad_h and pad_w");
    pad_h_ = static_cast<int>(p.pad_h());
    pad_w_ = static_cast<int>(p.pad_w());
  } else {
    pad_h_ = pad_w_ = static_cast<int>(p.pad());
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    CNN_CHECK(!p.has_stride() && p.has_stride_h() && p.has_stride_w(),
              w << "give either stride or both stride_h and stride_w");
    stride_h_ = static_cast<int>(p.stride_h());
    stride_w_ = static_cast<int>(p.stride_w());
  } else {
    stride_h_ = stride_w_ = static_cast<int>(p.stride());
  }
  CNN_CHECK(stride_h_ > 0 && stride_w_ > 0,
            w << "stride must be positive, got " << stride_h_ << "x" << stride_w_);
  if (global_) {
    CNN_CHECK(pad_h_ == 0 && pad_w_ == 0 && stride_h_ == 1 && stride_w_ == 1,
              w << "global_pooling needs pad 0 and stride 1, got pad " << pad_h_ << "x" << pad_w_
                << " and stride " << stride_h_ << "x" << stride_w_);
  }
  // A border of real values (any mode but ZEROS) is pooled like the image
  // itself, so the zero-padding rules below do not apply to it.
  padded_.padding().Configure(p.padding_mode(), {pad_h_, pad_w_});
  if (padded_.padding().active()) pad_h_ = pad_w_ = 0;
  if (pad_h_ != 0 || pad_w_ != 0) {
    CNN_CHECK(method_ != PoolingParameter::STOCHASTIC,
              w << "padding is supported for MAX and AVE pooling only, not STOCHASTIC");
    CNN_CHECK(pad_h_ < kernel_h_ && pad_w_ < kernel_w_, w << "pad " << pad_h_ << "x" << pad_w_
                                                          << " must be smaller than the kernel " << kernel_h_
                                                          << "x" << kernel_w_);
  }
}

void PoolingLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in_shape = *bottom[0];
  CNN_CHECK(in_shape.num_axes() == 4,
            where() << "expects a 4-D (num, channels, height, width) input, got shape " << in_shape.shape_string());
  const Blob& in = padded_.Wraps(bottom) ? *padded_.ReshapeFromSources(bottom, 2, where())[0] : in_shape;
  planes_ = in.shape(0) * in.shape(1);
  height_ = in.shape(2);
  width_ = in.shape(3);
  if (global_) {
    kernel_h_ = height_;
    kernel_w_ = width_;
  }
  CNN_CHECK(kernel_h_ <= height_ + 2 * pad_h_ && kernel_w_ <= width_ + 2 * pad_w_,
            where() << "kernel " << kernel_h_ << "x" << kernel_w_ << " larger than padded input "
                    << height_ + 2 * pad_h_ << "x" << width_ + 2 * pad_w_ << " (input " << height_ << "x"
                    << width_ << ", pad " << pad_h_ << "x" << pad_w_ << ")");
  pooled_h_ = PooledSize(height_, kernel_h_, pad_h_, stride_h_, ceil_mode_);
  pooled_w_ = PooledSize(width_, kernel_w_, pad_w_, stride_w_, ceil_mode_);
  const std::vector<int> shape = {in.shape(0), in.shape(1), pooled_h_, pooled_w_};
  top[0]->Reshape(shape);
  if (top.size() > 1) top[1]->Reshape(shape);
  const size_t outputs = static_cast<size_t>(planes_) * pooled_h_ * pooled_w_;
  if (method_ != PoolingParameter::AVE) index_.resize(outputs);
  if (method_ == PoolingParameter::STOCHASTIC) uniform_.resize(outputs);
}

const Blob& PoolingLayer::PoolInput(const BlobVec& bottom, bool gpu) {
  return padded_.Wraps(bottom) ? *padded_.PadData(bottom, gpu)[0] : *bottom[0];
}

void PoolingLayer::FoldInputGrad(const BlobVec& bottom, bool gpu) {
  if (padded_.Wraps(bottom)) padded_.FoldDiff(bottom, {true}, gpu);
}

void PoolingLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = PoolInput(bottom, false).cpu_data();
  float* y = top[0]->mutable_cpu_data();
  switch (method_) {
    case PoolingParameter::MAX:
      ForwardMax(x, y);
      if (top.size() > 1) {
        float* mask = top[1]->mutable_cpu_data();
        const int n = top[1]->count();
        for (int i = 0; i < n; ++i) mask[i] = static_cast<float>(index_[i]);
        // The mask names input pixels, also when the maximum was a border copy.
        if (padded_.Wraps(bottom)) padded_.padding().ToSourceIndices(mask, n, false);
      }
      break;
    case PoolingParameter::AVE:
      ForwardAve(x, y);
      break;
    case PoolingParameter::STOCHASTIC:
      if (phase_ == TRAIN) {
        ForwardStochasticTrain(x, y);
      } else {
        ForwardStochasticTest(x, y);
      }
      break;
    default:
      CNN_THROW(where() << "unknown pooling method " << static_cast<int>(method_));
  }
}

void PoolingLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->cpu_diff();
  Blob& in = PoolInputGrad(bottom);
  float* dx = in.mutable_cpu_diff();
  if (method_ == PoolingParameter::AVE) {
    BackwardAve(dy, dx);
  } else if (method_ == PoolingParameter::STOCHASTIC && phase_ != TRAIN) {
    BackwardStochasticTest(in.cpu_data(), top[0]->cpu_data(), dy, dx);
  } else {
    BackwardScatter(dy, dx);
  }
  FoldInputGrad(bottom, false);
}

void PoolingLayer::ForwardMax2x2(const float* x, float* y) {
  const int W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t rows = static_cast<int64_t>(planes_) * PH;  // output rows of all planes
  int* index = index_.data();
  // Blocks of output rows, each in two passes: the column pairs of all its
  // input rows as one long contiguous loop (even W: no pair crosses a row),
  // then each output row from its two input rows' pair maxima. Short rows
  // (LeNet's 12 and 4) make a per-row loop of four taps mostly loop overhead.
  // The pair pass keeps which column won, so the position is built only for
  // the winner; taps are compared in row-major order, as the window scan.
  constexpr int64_t kBlock = 64;
#pragma omp parallel if (ParallelLoopPays(rows * 2 * W))
  {
    std::vector<float> pair_best(static_cast<size_t>(2 * kBlock * PW));
    std::vector<int> pair_odd(pair_best.size());
#pragma omp for schedule(static)
    for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
      const int64_t n_rows = std::min(kBlock, rows - r0);
      const float* xb = x + r0 * 2 * W;
      float* best = pair_best.data();
      int* odd = pair_odd.data();
      const int64_t pairs = n_rows * 2 * PW;
#pragma omp simd
      for (int64_t i = 0; i < pairs; ++i) {
        float b = xb[2 * i];
        int o = 0;
        MaxPoolStep(xb[2 * i + 1], 1, &b, &o);
        best[i] = b;
        odd[i] = o;
      }
      for (int64_t q = 0; q < n_rows; ++q) {
        const int base = 2 * static_cast<int>((r0 + q) % PH) * W;
        const float* top_best = best + 2 * q * PW;
        const float* bottom_best = top_best + PW;
        const int* top_odd = odd + 2 * q * PW;
        const int* bottom_odd = top_odd + PW;
        float* out = y + (r0 + q) * PW;
        int* out_arg = index + (r0 + q) * PW;
#pragma omp simd
        for (int pw = 0; pw < PW; ++pw) {
          float v = top_best[pw];
          int arg = base + 2 * pw + top_odd[pw];
          MaxPoolStep(bottom_best[pw], base + W + 2 * pw + bottom_odd[pw], &v, &arg);
          out[pw] = v;
          out_arg[pw] = arg;
        }
      }
    }
  }
}

void PoolingLayer::ForwardMax(const float* x, float* y) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  // LeNet's and most nets' 2x2/2 windows that tile the input exactly.
  if (kernel_h_ == 2 && kernel_w_ == 2 && stride_h_ == 2 && stride_w_ == 2 && pad_h_ == 0 && pad_w_ == 0 &&
      H == 2 * PH && W == 2 * PW) {
    return ForwardMax2x2(x, y);
  }
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
  int* index = index_.data();
  // Two passes per plane instead of one scan per window: first the maximum of
  // every row over each window's columns (rows are shared by overlapping
  // windows, so each is reduced once), then the maximum over each window's
  // rows, which runs along contiguous rows of PW values and vectorises.
  // Scanning columns before rows keeps the single-scan winner exactly: the
  // first maximum (or first NaN) in row-major order within the window.
#pragma omp parallel if (ParallelLoopPays(planes_ * in_plane))
  {
    std::vector<float> row_best(static_cast<size_t>(H) * PW);
    std::vector<int> row_arg(static_cast<size_t>(H) * PW);
    const WholeWindows whole(W, pad_w_, stride_w_, kernel_w_, PW);
    const int pw_lo = whole.lo, pw_hi = whole.hi;
#pragma omp for schedule(static)
    for (int p = 0; p < planes_; ++p) {
      const float* xp = x + p * in_plane;
      for (int h = 0; h < H; ++h) {
        const float* row = xp + h * W;
        float* best_h = row_best.data() + static_cast<size_t>(h) * PW;
        int* arg_h = row_arg.data() + static_cast<size_t>(h) * PW;
        // Windows clipped by the border, one at a time.
        auto clipped = [&](int pw) {
          const int w0 = std::max(pw * stride_w_ - pad_w_, 0);
          const int w1 = std::min(pw * stride_w_ - pad_w_ + kernel_w_, W);
          float best = row[w0];
          int arg = h * W + w0;
          for (int w = w0 + 1; w < w1; ++w) MaxPoolStep(row[w], h * W + w, &best, &arg);
          best_h[pw] = best;
          arg_h[pw] = arg;
        };
        for (int pw = 0; pw < pw_lo; ++pw) clipped(pw);
        WithStride(stride_w_, [&](auto stride) {
          for (int pw = pw_lo; pw < pw_hi; ++pw) {
            best_h[pw] = row[pw * stride - pad_w_];
            arg_h[pw] = h * W + pw * stride - pad_w_;
          }
          for (int k = 1; k < kernel_w_; ++k) {
#pragma omp simd
            for (int pw = pw_lo; pw < pw_hi; ++pw) {
              const int w = pw * stride - pad_w_ + k;
              MaxPoolStep(row[w], h * W + w, best_h + pw, arg_h + pw);
            }
          }
        });
        for (int pw = pw_hi; pw < PW; ++pw) clipped(pw);
      }
      float* yp = y + p * out_plane;
      int* ip = index + p * out_plane;
      for (int ph = 0; ph < PH; ++ph) {
        const int h0 = std::max(ph * stride_h_ - pad_h_, 0);
        const int h1 = std::min(ph * stride_h_ - pad_h_ + kernel_h_, H);
        float* out = yp + ph * PW;
        int* out_arg = ip + ph * PW;
        std::copy_n(row_best.data() + static_cast<size_t>(h0) * PW, PW, out);
        std::copy_n(row_arg.data() + static_cast<size_t>(h0) * PW, PW, out_arg);
        for (int h = h0 + 1; h < h1; ++h) {
          const float* best_h = row_best.data() + static_cast<size_t>(h) * PW;
          const int* arg_h = row_arg.data() + static_cast<size_t>(h) * PW;
#pragma omp simd
          for (int pw = 0; pw < PW; ++pw) MaxPoolStep(best_h[pw], arg_h[pw], out + pw, out_arg + pw);
        }
      }
    }
  }
}

void PoolingLayer::ForwardAve(const float* x, float* y) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
  const WholeWindows whole(W, pad_w_, stride_w_, kernel_w_, PW);
  const AveColumns columns(PW, stride_w_, pad_w_, kernel_w_, W);
  const std::vector<AveSpan>& ws = columns.span;
  const std::vector<float>& w_extent = columns.extent;
  // As MAX's forward pass: each row summed over every window's columns once,
  // then the window's rows added element-wise across a row of outputs.
#pragma omp parallel if (ParallelLoopPays(planes_ * in_plane))
  {
    std::vector<float> row_sum(static_cast<size_t>(H) * PW);
#pragma omp for schedule(static)
    for (int p = 0; p < planes_; ++p) {
      const float* xp = x + p * in_plane;
      for (int h = 0; h < H; ++h) {
        const float* row = xp + h * W;
        float* sum_h = row_sum.data() + static_cast<size_t>(h) * PW;
        auto clipped = [&](int pw) {
          float sum = 0.f;
          for (int w = ws[pw].lo; w < ws[pw].hi; ++w) sum += row[w];
          sum_h[pw] = sum;
        };
        for (int pw = 0; pw < whole.lo; ++pw) clipped(pw);
        WithStride(stride_w_, [&](auto stride) {
          for (int pw = whole.lo; pw < whole.hi; ++pw) sum_h[pw] = row[pw * stride - pad_w_];
          for (int k = 1; k < kernel_w_; ++k) {
#pragma omp simd
            for (int pw = whole.lo; pw < whole.hi; ++pw) sum_h[pw] += row[pw * stride - pad_w_ + k];
          }
        });
        for (int pw = whole.hi; pw < PW; ++pw) clipped(pw);
      }
      float* yp = y + p * out_plane;
      for (int ph = 0; ph < PH; ++ph) {
        const AveSpan hs = AveSpanAt(ph, stride_h_, pad_h_, kernel_h_, H);
        float* out = yp + ph * PW;
        std::copy_n(row_sum.data() + static_cast<size_t>(hs.lo) * PW, PW, out);
        for (int h = hs.lo + 1; h < hs.hi; ++h) {
          const float* sum_h = row_sum.data() + static_cast<size_t>(h) * PW;
#pragma omp simd
          for (int pw = 0; pw < PW; ++pw) out[pw] += sum_h[pw];
        }
        for (int pw = 0; pw < PW; ++pw) out[pw] /= static_cast<float>(hs.extent) * w_extent[pw];
      }
    }
  }
}

void PoolingLayer::ForwardStochasticTrain(const float* x, float* y) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
  // Drawn serially from the context generator so a seed repeats the samples.
  if (!uniform_.empty()) rng_uniform(static_cast<int>(uniform_.size()), 0.f, 1.f, uniform_.data());
  const float* u = uniform_.data();
  int* index = index_.data();
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes_ * in_plane))
  for (int p = 0; p < planes_; ++p) {
    const float* xp = x + p * in_plane;
    for (int ph = 0; ph < PH; ++ph) {
      const int h0 = ph * stride_h_;
      const int h1 = std::min(h0 + kernel_h_, H);
      for (int pw = 0; pw < PW; ++pw) {
        const int w0 = pw * stride_w_;
        const int w1 = std::min(w0 + kernel_w_, W);
        const int64_t o = p * out_plane + ph * PW + pw;
        // Pick input i with probability x_i / sum(x): the first whose running
        // sum exceeds a uniform fraction of the total. Activations are
        // expected to be non-negative (after a ReLU), as in Caffe.
        float total = 0.f;
        for (int h = h0; h < h1; ++h)
          for (int w = w0; w < w1; ++w) total += xp[h * W + w];
        const float threshold = u[o] * total;
        int chosen = -1, last_positive = h0 * W + w0;
        float running = 0.f;
        for (int h = h0; h < h1 && chosen < 0; ++h) {
          for (int w = w0; w < w1; ++w) {
            const float v = xp[h * W + w];
            if (v > 0.f) last_positive = h * W + w;
            running += v;
            if (running > threshold) {
              chosen = h * W + w;
              break;
            }
          }
        }
        // Rounding can leave the threshold at the total; an all-zero window
        // has nothing to prefer.
        if (chosen < 0) chosen = last_positive;
        index[o] = chosen;
        y[o] = xp[chosen];
      }
    }
  }
}

void PoolingLayer::ForwardStochasticTest(const float* x, float* y) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes_ * in_plane))
  for (int p = 0; p < planes_; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    for (int ph = 0; ph < PH; ++ph) {
      const int h0 = ph * stride_h_;
      const int h1 = std::min(h0 + kernel_h_, H);
      for (int pw = 0; pw < PW; ++pw) {
        const int w0 = pw * stride_w_;
        const int w1 = std::min(w0 + kernel_w_, W);
        // The expectation of the TRAIN-time sample: sum(x^2) / sum(x).
        float sum = 0.f, sum_sq = 0.f;
        for (int h = h0; h < h1; ++h) {
          for (int w = w0; w < w1; ++w) {
            const float v = xp[h * W + w];
            sum += v;
            sum_sq += v * v;
          }
        }
        yp[ph * PW + pw] = sum > 0.f ? sum_sq / sum : 0.f;
      }
    }
  }
}

void PoolingLayer::BackwardScatter(const float* dy, float* dx) {
  const int64_t in_plane = static_cast<int64_t>(height_) * width_;
  const int64_t out_plane = static_cast<int64_t>(pooled_h_) * pooled_w_;
  const int* index = index_.data();
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes_ * in_plane))
  for (int p = 0; p < planes_; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    const int* ip = index + p * out_plane;
    std::memset(dxp, 0, sizeof(float) * in_plane);
    for (int64_t o = 0; o < out_plane; ++o) dxp[ip[o]] += dyp[o];
  }
}

void PoolingLayer::BackwardAve(const float* dy, float* dx) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
  const WholeWindows whole(W, pad_w_, stride_w_, kernel_w_, PW);
  const AveColumns columns(PW, stride_w_, pad_w_, kernel_w_, W);
  const std::vector<AveSpan>& ws = columns.span;
  const std::vector<float>& w_extent = columns.extent;
  // The forward pass in reverse: each output's share spread over its rows
  // (element-wise across a row of outputs), then each row's over the columns.
#pragma omp parallel if (ParallelLoopPays(planes_ * in_plane))
  {
    std::vector<float> row_grad(static_cast<size_t>(H) * PW), share(PW);
#pragma omp for schedule(static)
    for (int p = 0; p < planes_; ++p) {
      const float* dyp = dy + p * out_plane;
      std::fill(row_grad.begin(), row_grad.end(), 0.f);
      for (int ph = 0; ph < PH; ++ph) {
        const AveSpan hs = AveSpanAt(ph, stride_h_, pad_h_, kernel_h_, H);
        for (int pw = 0; pw < PW; ++pw) share[pw] = dyp[ph * PW + pw] / (static_cast<float>(hs.extent) * w_extent[pw]);
        for (int h = hs.lo; h < hs.hi; ++h) {
          float* grad_h = row_grad.data() + static_cast<size_t>(h) * PW;
#pragma omp simd
          for (int pw = 0; pw < PW; ++pw) grad_h[pw] += share[pw];
        }
      }
      float* dxp = dx + p * in_plane;
      std::memset(dxp, 0, sizeof(float) * in_plane);
      for (int h = 0; h < H; ++h) {
        float* row = dxp + h * W;
        const float* grad_h = row_grad.data() + static_cast<size_t>(h) * PW;
        auto clipped = [&](int pw) {
          for (int w = ws[pw].lo; w < ws[pw].hi; ++w) row[w] += grad_h[pw];
        };
        for (int pw = 0; pw < whole.lo; ++pw) clipped(pw);
        // One tap of every whole window at a time: within it no two windows
        // touch the same column, so the loop has no conflicting writes.
        WithStride(stride_w_, [&](auto stride) {
          for (int k = 0; k < kernel_w_; ++k) {
#pragma omp simd
            for (int pw = whole.lo; pw < whole.hi; ++pw) row[pw * stride - pad_w_ + k] += grad_h[pw];
          }
        });
        for (int pw = whole.hi; pw < PW; ++pw) clipped(pw);
      }
    }
  }
}

void PoolingLayer::BackwardStochasticTest(const float* x, const float* y, const float* dy, float* dx) {
  const int H = height_, W = width_, PH = pooled_h_, PW = pooled_w_;
  const int64_t in_plane = static_cast<int64_t>(H) * W, out_plane = static_cast<int64_t>(PH) * PW;
  // d/dx_i of sum(x^2) / sum(x) is (2 x_i - y) / sum(x).
#pragma omp parallel for schedule(static) if (ParallelLoopPays(planes_ * in_plane))
  for (int p = 0; p < planes_; ++p) {
    const float* xp = x + p * in_plane;
    float* dxp = dx + p * in_plane;
    std::memset(dxp, 0, sizeof(float) * in_plane);
    for (int ph = 0; ph < PH; ++ph) {
      const int h0 = ph * stride_h_;
      const int h1 = std::min(h0 + kernel_h_, H);
      for (int pw = 0; pw < PW; ++pw) {
        const int w0 = pw * stride_w_;
        const int w1 = std::min(w0 + kernel_w_, W);
        float sum = 0.f;
        for (int h = h0; h < h1; ++h)
          for (int w = w0; w < w1; ++w) sum += xp[h * W + w];
        if (!(sum > 0.f)) continue;
        const int64_t o = p * out_plane + ph * PW + pw;
        const float scale = dy[o] / sum, out = y[o];
        for (int h = h0; h < h1; ++h)
          for (int w = w0; w < w1; ++w) dxp[h * W + w] += scale * (2.f * xp[h * W + w] - out);
      }
    }
  }
}

CNN_REGISTER_LAYER(Pooling, PoolingLayer);

}  // namespace cnn
