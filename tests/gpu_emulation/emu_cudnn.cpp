// cuDNN for the emulated device (include/cudnn.h): each call checks its
// descriptors and operands as the documentation states them, then computes
// the documented formula with plain loops inside a DeviceAccess scope.
// Accumulation is in double, so results differ from the CPU kernels' only in
// the last bits of float rounding.
//
// Behaviour the documentation leaves open is decided here and said where:
// max pooling sends a window's gradient to the first maximum in scan order
// (cuDNN sends it to one of them), a conv descriptor whose math type allows
// tensor cores rounds the operands to TF32 first (what cuDNN does for FP32
// on Ampere and later), and workspace sizes are the im2col buffer's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <cblas.h>

#include "cudnn.h"
#include "emu_memory.hpp"

struct cudnnContext {
  int device = cnn_emu::CurrentDevice();  // a handle works on the device current at its creation
};

struct cudnnTensorStruct {
  bool set = false;
  std::vector<int> dims, strides;
};

struct cudnnFilterStruct {
  bool set = false;
  std::vector<int> dims;  // K, C per group, spatial...; packed KCRS
};

struct cudnnConvolutionStruct {
  bool set = false;
  std::vector<int> pad, stride, dilation;
  cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  int groups = 1;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

struct cudnnPoolingStruct {
  bool set = false;
  cudnnPoolingMode_t mode = CUDNN_POOLING_MAX;
  cudnnNanPropagation_t nan = CUDNN_NOT_PROPAGATE_NAN;
  int window[2] = {0, 0}, pad[2] = {0, 0}, stride[2] = {0, 0};
};

struct cudnnLRNStruct {
  // cuDNN's defaults (Krizhevsky et al. 2012).
  unsigned n = 5;
  double alpha = 1e-4, beta = 0.75, k = 2.0;
};

struct cudnnActivationStruct {
  bool set = false;
  cudnnActivationMode_t mode = CUDNN_ACTIVATION_SIGMOID;
  cudnnNanPropagation_t nan = CUDNN_NOT_PROPAGATE_NAN;
  double coef = 0.0;
};

namespace {

using Dims = std::vector<int>;

void Complain(const char* call, const char* what) { std::fprintf(stderr, "cuda emulator: %s: %s\n", call, what); }

// The device of the handle of the call under way on this thread: its
// operands must be that device's memory.
thread_local int handle_device = 0;

bool Begin(cudnnHandle_t handle) {
  if (handle == nullptr) return false;
  handle_device = handle->device;
  return true;
}

// The device check of an operand that is device memory.
bool OnHandleDevice(const char* call, const char* name, const void* p) {
  const int owner = cnn_emu::DeviceOf(p);
  if (owner == handle_device) return true;
  std::fprintf(stderr, "cuda emulator: %s on a handle of device %d given %s (%p), device %d's memory\n", call,
               handle_device, name, p, owner);
  return false;
}

cudnnStatus_t Bad(const char* call, const char* what) {
  Complain(call, what);
  return CUDNN_STATUS_BAD_PARAM;
}

int64_t Count(const Dims& d) {
  int64_t n = 1;
  for (int v : d) n *= v;
  return n;
}

Dims Packed(const Dims& dims) {
  Dims s(dims.size());
  int64_t stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = static_cast<int>(stride);
    stride *= dims[i];
  }
  return s;
}

// A described operand: its dims, strides and float pointer.
struct View {
  Dims dims, strides;
  float* p = nullptr;

  int64_t Offset(const int* idx) const {
    int64_t o = 0;
    for (size_t i = 0; i < dims.size(); ++i) o += static_cast<int64_t>(idx[i]) * strides[i];
    return o;
  }
  float& At(const int* idx) const { return p[Offset(idx)]; }
  int64_t SpanElements() const {
    int64_t last = 0;
    for (size_t i = 0; i < dims.size(); ++i) last += static_cast<int64_t>(dims[i] - 1) * strides[i];
    return last + 1;
  }
};

// Calls f(idx) for every index of `dims`, the last one fastest.
template <typename F>
void ForEach(const Dims& dims, F f) {
  if (Count(dims) == 0) return;
  std::vector<int> idx(dims.size(), 0);
  for (;;) {
    f(idx.data());
    size_t a = dims.size();
    while (a-- > 0) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
    if (a == static_cast<size_t>(-1)) return;
  }
}

// The operand behind `desc` and `p`, which must be device memory holding
// every element the descriptor reaches.
bool Operand(const char* call, const char* name, cudnnTensorDescriptor_t desc, const void* p, View* out) {
  if (desc == nullptr || !desc->set) {
    std::fprintf(stderr, "cuda emulator: %s: the descriptor of %s was never set\n", call, name);
    return false;
  }
  out->dims = desc->dims;
  out->strides = desc->strides;
  out->p = static_cast<float*>(const_cast<void*>(p));
  if (p == nullptr || !cnn_emu::IsDeviceRange(p, static_cast<size_t>(out->SpanElements()) * sizeof(float))) {
    std::fprintf(stderr, "cuda emulator: %s: %s (%p) is not device memory holding the %lld floats its descriptor spans\n",
                 call, name, p, static_cast<long long>(out->SpanElements()));
    return false;
  }
  return OnHandleDevice(call, name, p);
}

bool FilterOperand(const char* call, const char* name, cudnnFilterDescriptor_t desc, const void* p, View* out) {
  if (desc == nullptr || !desc->set) {
    std::fprintf(stderr, "cuda emulator: %s: the filter descriptor of %s was never set\n", call, name);
    return false;
  }
  out->dims = desc->dims;
  out->strides = Packed(desc->dims);
  out->p = static_cast<float*>(const_cast<void*>(p));
  if (p == nullptr || !cnn_emu::IsDeviceRange(p, static_cast<size_t>(Count(desc->dims)) * sizeof(float))) {
    std::fprintf(stderr, "cuda emulator: %s: filter %s (%p) is not device memory of its descriptor's size\n", call, name,
                 p);
    return false;
  }
  return OnHandleDevice(call, name, p);
}

bool HostScalars(const char* call, std::initializer_list<const void*> scalars) {
  for (const void* s : scalars) {
    if (s == nullptr || cnn_emu::IsDevicePointer(s)) {
      Complain(call, "a blending factor (alpha or beta) must be a host float");
      return false;
    }
  }
  return true;
}

float Scalar(const void* s) { return *static_cast<const float*>(s); }

// "dst = alpha * result + beta * dst", where beta == 0 does not read dst
// (it may hold anything, NaN included).
void Blend(float alpha, double result, float beta, float* dst) {
  const float r = alpha * static_cast<float>(result);
  *dst = beta == 0.f ? r : r + beta * *dst;
}

bool SameDims(const View& a, const View& b) { return a.dims == b.dims; }

// ---- Convolution geometry ---------------------------------------------------

struct ConvShape {
  int n = 0, c = 0, k = 0, groups = 1, spatial = 0;
  Dims in, out, kernel;
};

int OutputDim(int in, int pad, int kernel, int dilation, int stride) {
  return 1 + (in + 2 * pad - ((kernel - 1) * dilation + 1)) / stride;
}

// Checks x (N, C, in...), w (K, C / groups, kernel...) and y (N, K, out...)
// against the descriptor, as cuDNN's passes do.
bool Geometry(const char* call, cudnnConvolutionDescriptor_t conv, const View& x, const View& w, const View& y,
              ConvShape* s) {
  if (conv == nullptr || !conv->set) return Bad(call, "the convolution descriptor was never set"), false;
  const int spatial = static_cast<int>(conv->pad.size());
  if (static_cast<int>(x.dims.size()) != spatial + 2 || w.dims.size() != x.dims.size() ||
      y.dims.size() != x.dims.size()) {
    return Bad(call, "x, w and y must have the convolution's spatial axes plus two"), false;
  }
  s->n = x.dims[0];
  s->c = x.dims[1];
  s->k = w.dims[0];
  s->groups = conv->groups;
  s->spatial = spatial;
  if (s->c % s->groups != 0 || s->k % s->groups != 0 || w.dims[1] != s->c / s->groups) {
    return Bad(call, "the filter's input channels must be x's channels / groupCount, K a multiple of it"), false;
  }
  if (y.dims[0] != s->n || y.dims[1] != s->k) return Bad(call, "y must be N x K x ..."), false;
  s->in.assign(x.dims.begin() + 2, x.dims.end());
  s->kernel.assign(w.dims.begin() + 2, w.dims.end());
  s->out.assign(y.dims.begin() + 2, y.dims.end());
  for (int a = 0; a < spatial; ++a) {
    if (OutputDim(s->in[a], conv->pad[a], s->kernel[a], conv->dilation[a], conv->stride[a]) != s->out[a]) {
      return Bad(call, "y's spatial size is not the one cudnnGetConvolutionNdForwardOutputDim gives"), false;
    }
  }
  return true;
}

// TF32 keeps 10 of float's 23 mantissa bits (round to nearest even).
float Tf32(float v) {
  if (!std::isfinite(v)) return v;
  uint32_t u;
  std::memcpy(&u, &v, 4);
  u = (u + 0xFFFu + ((u >> 13) & 1u)) & ~0x1FFFu;
  std::memcpy(&v, &u, 4);
  return v;
}

bool TensorCores(cudnnConvolutionDescriptor_t conv) { return conv->math != CUDNN_FMA_MATH; }

// The convolution lowered to matrices in double: for each image and group,
// col[(c, tap), out] holds the input value each kernel tap meets at each
// output position (0 in the padding), so that y = W col, dx += W^T dy
// scattered back through the same positions, and dW += dy col^T.
struct Lowering {
  const ConvShape& s;
  int cg, kg;
  int64_t taps, outs;
  std::vector<int64_t> in_offset;  // taps * outs: the input's spatial offset, or -1
  std::vector<int64_t> out_offset;  // outs: the output's spatial offset

  Lowering(const ConvShape& shape, cudnnConvolutionDescriptor_t conv, const View& in, const View& out)
      : s(shape), cg(shape.c / shape.groups), kg(shape.k / shape.groups), taps(Count(shape.kernel)),
        outs(Count(shape.out)) {
    in_offset.assign(taps * outs, -1);
    out_offset.resize(outs);
    int64_t t = 0;
    ForEach(s.kernel, [&](const int* r) {
      int64_t o = 0;
      ForEach(s.out, [&](const int* q) {
        int64_t off = 0, oo = 0;
        for (int a = 0; a < s.spatial; ++a) {
          // CUDNN_CONVOLUTION flips the kernel; cross-correlation does not.
          const int tap = conv->mode == CUDNN_CONVOLUTION ? s.kernel[a] - 1 - r[a] : r[a];
          const int i = q[a] * conv->stride[a] - conv->pad[a] + tap * conv->dilation[a];
          if (off >= 0 && (i < 0 || i >= s.in[a])) off = -1;
          if (off >= 0) off += static_cast<int64_t>(i) * in.strides[2 + a];
          oo += static_cast<int64_t>(q[a]) * out.strides[2 + a];
        }
        in_offset[t * outs + o] = off;
        if (t == 0) out_offset[o] = oo;
        ++o;
      });
      ++t;
    });
  }

  int64_t Rows() const { return static_cast<int64_t>(cg) * taps; }

  // col for image n, group g of `in`.
  void Columns(const View& in, int n, int g, bool tf32, std::vector<double>* col) const {
    col->assign(Rows() * outs, 0.0);
    for (int c = 0; c < cg; ++c) {
      const float* base = in.p + static_cast<int64_t>(n) * in.strides[0] + static_cast<int64_t>(g * cg + c) * in.strides[1];
      for (int64_t t = 0; t < taps; ++t) {
        double* row = col->data() + (c * taps + t) * outs;
        const int64_t* off = in_offset.data() + t * outs;
        for (int64_t o = 0; o < outs; ++o) {
          if (off[o] >= 0) row[o] = tf32 ? Tf32(base[off[o]]) : base[off[o]];
        }
      }
    }
  }

  // The kg x (cg * taps) weights of group g (the filter is packed KCRS).
  void Weights(const View& w, int g, bool tf32, std::vector<double>* m) const {
    const int64_t n = kg * Rows();
    m->resize(n);
    const float* base = w.p + static_cast<int64_t>(g) * n;
    for (int64_t i = 0; i < n; ++i) (*m)[i] = tf32 ? Tf32(base[i]) : base[i];
  }

  // The kg x outs block of image n, group g of an output-shaped operand.
  void OutputBlock(const View& y, int n, int g, bool tf32, std::vector<double>* m) const {
    m->resize(kg * outs);
    for (int k = 0; k < kg; ++k) {
      const float* base = y.p + static_cast<int64_t>(n) * y.strides[0] + static_cast<int64_t>(g * kg + k) * y.strides[1];
      for (int64_t o = 0; o < outs; ++o) (*m)[k * outs + o] = tf32 ? Tf32(base[out_offset[o]]) : base[out_offset[o]];
    }
  }
};

// C (m x n) = op(A) op(B), row-major, in double.
void Gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const std::vector<double>& a,
          const std::vector<double>& b, std::vector<double>* c) {
  c->assign(m * n, 0.0);
  if (m == 0 || n == 0 || k == 0) return;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0, a.data(), static_cast<int>(ta ? m : k), b.data(),
              static_cast<int>(tb ? k : n), 0.0, c->data(), static_cast<int>(n));
}

size_t Im2colBytes(const ConvShape& s) {
  return static_cast<size_t>(s.c / s.groups) * Count(s.kernel) * Count(s.out) * sizeof(float);
}

bool Workspace(const char* call, const ConvShape& s, void* workspace, size_t bytes) {
  const size_t need = Im2colBytes(s);
  if (bytes < need) return Bad(call, "the workspace is smaller than the algorithm asked for"), false;
  if (need > 0 && (workspace == nullptr || !cnn_emu::IsDeviceRange(workspace, need))) {
    return Bad(call, "the workspace is not device memory of the size given"), false;
  }
  // Whatever it held is gone, as after a real pass.
  if (need > 0) std::memset(workspace, 0xFF, need);
  return true;
}

// The algorithm lists: one tensor-core entry first (as cuDNN ranks them on
// recent GPUs; a caller asking for strict FP32 must skip it), then one FMA
// entry, both with the im2col workspace.
template <typename Perf, typename Algo>
cudnnStatus_t Rank(const char* call, cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                   cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, int requested, int* returned,
                   Perf* perf, Algo tensor_op_algo, Algo fma_algo) {
  if (h == nullptr) return CUDNN_STATUS_NOT_INITIALIZED;
  if (x == nullptr || !x->set || w == nullptr || !w->set || y == nullptr || !y->set || conv == nullptr ||
      !conv->set || requested < 1 || returned == nullptr || perf == nullptr) {
    return Bad(call, "unset descriptor or no room for results");
  }
  View xv{x->dims, x->strides}, wv{w->dims, Packed(w->dims)}, yv{y->dims, y->strides};
  ConvShape s;
  if (!Geometry(call, conv, xv, wv, yv, &s)) return CUDNN_STATUS_BAD_PARAM;
  const Perf entries[2] = {
      {tensor_op_algo, CUDNN_STATUS_SUCCESS, 0.5f, Im2colBytes(s), CUDNN_DETERMINISTIC, CUDNN_TENSOR_OP_MATH, {}},
      {fma_algo, CUDNN_STATUS_SUCCESS, 1.0f, Im2colBytes(s), CUDNN_DETERMINISTIC, CUDNN_FMA_MATH, {}},
  };
  *returned = std::min(requested, 2);
  for (int i = 0; i < *returned; ++i) perf[i] = entries[i];
  return CUDNN_STATUS_SUCCESS;
}

// ---- Pooling ---------------------------------------------------------------

struct Window {
  int h0, h1, w0, w1;  // the window clipped to the input, [h0, h1) x [w0, w1)
  int divisor;
};

Window PoolWindow(const cudnnPoolingStruct& p, int oh, int ow, int height, int width) {
  const int hs = oh * p.stride[0] - p.pad[0], ws = ow * p.stride[1] - p.pad[1];
  Window w{std::max(hs, 0), std::min(hs + p.window[0], height), std::max(ws, 0), std::min(ws + p.window[1], width), 0};
  w.divisor = p.mode == CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING ? (w.h1 - w.h0) * (w.w1 - w.w0)
                                                                     : p.window[0] * p.window[1];
  return w;
}

bool IsMax(const cudnnPoolingStruct& p) {
  return p.mode == CUDNN_POOLING_MAX || p.mode == CUDNN_POOLING_MAX_DETERMINISTIC;
}

// The position of a window's maximum: the first in scan order, or the first
// NaN when NaN propagates. Returns false for a window inside the padding.
bool ArgMax(const cudnnPoolingStruct& p, const View& x, int n, int c, const Window& w, int* mh, int* mw) {
  bool found = false;
  float best = 0.f;
  for (int h = w.h0; h < w.h1; ++h) {
    for (int ww = w.w0; ww < w.w1; ++ww) {
      const int idx[4] = {n, c, h, ww};
      const float v = x.At(idx);
      if (std::isnan(v)) {
        if (p.nan == CUDNN_NOT_PROPAGATE_NAN) continue;
        *mh = h;
        *mw = ww;
        return true;
      }
      if (!found || v > best) {
        best = v;
        *mh = h;
        *mw = ww;
        found = true;
      }
    }
  }
  return found;
}

// ---- LRN -------------------------------------------------------------------

struct LrnWindow {
  int behind, ahead;
  explicit LrnWindow(unsigned n) : behind(static_cast<int>((n - 1) / 2)), ahead(static_cast<int>(n) - 1 - behind) {}
};

// k + alpha / n * (sum of squares over channel c's window), per the docs.
double LrnScale(const cudnnLRNStruct& d, const View& x, const int* at) {
  const LrnWindow win(d.n);
  std::vector<int> idx(at, at + x.dims.size());
  double sum = 0.0;
  for (int j = at[1] - win.behind; j <= at[1] + win.ahead; ++j) {
    if (j < 0 || j >= x.dims[1]) continue;
    idx[1] = j;
    const double v = x.At(idx.data());
    sum += v * v;
  }
  return d.k + d.alpha / d.n * sum;
}

// ---- Batch normalisation ----------------------------------------------------

// The reduction of a channel: every (n, spatial...) for SPATIAL.
template <typename F>
void ForEachInChannel(const View& x, int c, F f) {
  Dims rest(x.dims);
  rest[1] = 1;
  std::vector<int> idx(x.dims.size());
  ForEach(rest, [&](const int* r) {
    std::copy(r, r + x.dims.size(), idx.begin());
    idx[1] = c;
    f(idx.data());
  });
}

bool BnParams(const char* call, cudnnBatchNormMode_t mode, const View& x, cudnnTensorDescriptor_t desc,
              std::initializer_list<const void*> pointers) {
  if (mode != CUDNN_BATCHNORM_SPATIAL && mode != CUDNN_BATCHNORM_SPATIAL_PERSISTENT) {
    Complain(call, "the emulator implements SPATIAL modes only");
    return false;
  }
  if (x.dims.size() < 4 || x.dims.size() > 5) return Bad(call, "batch normalisation takes 4-D or 5-D x"), false;
  if (desc == nullptr || !desc->set) return Bad(call, "the statistics descriptor was never set"), false;
  Dims want(x.dims.size(), 1);
  want[1] = x.dims[1];
  if (desc->dims != want) return Bad(call, "the statistics descriptor must be 1 x C x 1 x 1"), false;
  for (const void* p : pointers) {
    if (p != nullptr && !cnn_emu::IsDeviceRange(p, static_cast<size_t>(x.dims[1]) * sizeof(float))) {
      return Bad(call, "a per-channel operand is not device memory of C floats"), false;
    }
  }
  return true;
}

double Activate(const cudnnActivationStruct& a, double x) {
  switch (a.mode) {
    case CUDNN_ACTIVATION_SIGMOID:
      return 1.0 / (1.0 + std::exp(-x));
    case CUDNN_ACTIVATION_RELU:
      if (std::isnan(x)) return a.nan == CUDNN_PROPAGATE_NAN ? x : 0.0;
      return x > 0.0 ? x : 0.0;
    case CUDNN_ACTIVATION_TANH:
      return std::tanh(x);
    case CUDNN_ACTIVATION_CLIPPED_RELU:
      if (std::isnan(x)) return a.nan == CUDNN_PROPAGATE_NAN ? x : 0.0;
      return std::min(std::max(x, 0.0), a.coef);
    case CUDNN_ACTIVATION_ELU:
      return x > 0.0 ? x : a.coef * std::expm1(x);
    default:
      return x;
  }
}

double ActivationGradient(const cudnnActivationStruct& a, double x, double y, double dy) {
  switch (a.mode) {
    case CUDNN_ACTIVATION_SIGMOID:
      return dy * y * (1.0 - y);
    case CUDNN_ACTIVATION_RELU:
      return x > 0.0 ? dy : 0.0;
    case CUDNN_ACTIVATION_TANH:
      return dy * (1.0 - y * y);
    case CUDNN_ACTIVATION_CLIPPED_RELU:
      return x > 0.0 && x < a.coef ? dy : 0.0;
    case CUDNN_ACTIVATION_ELU:
      return x > 0.0 ? dy : dy * (y + a.coef);
    default:
      return dy;
  }
}

// The sets softmax reduces over: per n over C x spatial (INSTANCE) or per
// (n, spatial) over C (CHANNEL). Calls f(indices of one set).
template <typename F>
void ForEachSoftmaxSet(const View& v, cudnnSoftmaxMode_t mode, F f) {
  const size_t rank = v.dims.size();
  Dims outer(v.dims);
  if (mode == CUDNN_SOFTMAX_MODE_INSTANCE) {
    for (size_t a = 1; a < rank; ++a) outer[a] = 1;
  } else {
    outer[1] = 1;
  }
  ForEach(outer, [&](const int* base) {
    std::vector<std::vector<int>> set;
    Dims inner(rank, 1);
    if (mode == CUDNN_SOFTMAX_MODE_INSTANCE) {
      for (size_t a = 1; a < rank; ++a) inner[a] = v.dims[a];
    } else {
      inner[1] = v.dims[1];
    }
    ForEach(inner, [&](const int* d) {
      std::vector<int> idx(rank);
      for (size_t a = 0; a < rank; ++a) idx[a] = base[a] + d[a];
      set.push_back(idx);
    });
    f(set);
  });
}

}  // namespace

extern "C" {

size_t cudnnGetVersion(void) { return CUDNN_VERSION; }

const char* cudnnGetErrorString(cudnnStatus_t status) {
  switch (status) {
    case CUDNN_STATUS_SUCCESS:
      return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED:
      return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_BAD_PARAM:
      return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_NOT_SUPPORTED:
      return "CUDNN_STATUS_NOT_SUPPORTED";
    default:
      return "CUDNN_UNKNOWN_STATUS";
  }
}

cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *handle = new cudnnContext;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  delete handle;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t) {
  return handle ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_INITIALIZED;
}

#define CNN_EMU_CUDNN_DESCRIPTOR(Kind, Struct)                                          \
  cudnnStatus_t cudnnCreate##Kind##Descriptor(cudnn##Kind##Descriptor_t* desc) {        \
    if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;                                 \
    *desc = new Struct;                                                                 \
    return CUDNN_STATUS_SUCCESS;                                                        \
  }                                                                                     \
  cudnnStatus_t cudnnDestroy##Kind##Descriptor(cudnn##Kind##Descriptor_t desc) {        \
    delete desc;                                                                        \
    return CUDNN_STATUS_SUCCESS;                                                        \
  }
CNN_EMU_CUDNN_DESCRIPTOR(Tensor, cudnnTensorStruct)
CNN_EMU_CUDNN_DESCRIPTOR(Filter, cudnnFilterStruct)
CNN_EMU_CUDNN_DESCRIPTOR(Convolution, cudnnConvolutionStruct)
CNN_EMU_CUDNN_DESCRIPTOR(Pooling, cudnnPoolingStruct)
CNN_EMU_CUDNN_DESCRIPTOR(LRN, cudnnLRNStruct)
CNN_EMU_CUDNN_DESCRIPTOR(Activation, cudnnActivationStruct)
#undef CNN_EMU_CUDNN_DESCRIPTOR

cudnnStatus_t cudnnSetTensorNdDescriptor(cudnnTensorDescriptor_t desc, cudnnDataType_t type, int nbDims,
                                         const int dimA[], const int strideA[]) {
  const char* call = "cudnnSetTensorNdDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (type != CUDNN_DATA_FLOAT) return Complain(call, "the emulator has float tensors only"), CUDNN_STATUS_NOT_SUPPORTED;
  // The compute calls need 4-D or 5-D; 3-D passes the setter.
  if (nbDims < 3 || nbDims > CUDNN_DIM_MAX) return Bad(call, "nbDims must be 3 to 8");
  for (int i = 0; i < nbDims; ++i) {
    if (dimA[i] <= 0 || strideA[i] <= 0) return Bad(call, "dims and strides must be positive");
  }
  desc->dims.assign(dimA, dimA + nbDims);
  desc->strides.assign(strideA, strideA + nbDims);
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t desc, cudnnTensorFormat_t format,
                                         cudnnDataType_t type, int n, int c, int h, int w) {
  const int dims[4] = {n, c, h, w};
  int strides[4];
  if (format == CUDNN_TENSOR_NCHW) {
    strides[0] = c * h * w, strides[1] = h * w, strides[2] = w, strides[3] = 1;
  } else if (format == CUDNN_TENSOR_NHWC) {
    strides[0] = h * w * c, strides[1] = 1, strides[2] = w * c, strides[3] = c;
  } else {
    return Bad("cudnnSetTensor4dDescriptor", "NCHW_VECT_C needs an int8 vector type");
  }
  return cudnnSetTensorNdDescriptor(desc, type, 4, dims, strides);
}

cudnnStatus_t cudnnSetFilterNdDescriptor(cudnnFilterDescriptor_t desc, cudnnDataType_t type,
                                         cudnnTensorFormat_t format, int nbDims, const int filterDimA[]) {
  const char* call = "cudnnSetFilterNdDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (type != CUDNN_DATA_FLOAT) return Complain(call, "the emulator has float filters only"), CUDNN_STATUS_NOT_SUPPORTED;
  if (format != CUDNN_TENSOR_NCHW) {
    return Complain(call, "the emulator has KCRS (NCHW) filters only"), CUDNN_STATUS_NOT_SUPPORTED;
  }
  if (nbDims < 3 || nbDims > CUDNN_DIM_MAX) return Bad(call, "nbDims must be 3 to 8");
  for (int i = 0; i < nbDims; ++i) {
    if (filterDimA[i] <= 0) return Bad(call, "filter dims must be positive");
  }
  desc->dims.assign(filterDimA, filterDimA + nbDims);
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t desc, cudnnDataType_t type,
                                         cudnnTensorFormat_t format, int k, int c, int h, int w) {
  const int dims[4] = {k, c, h, w};
  return cudnnSetFilterNdDescriptor(desc, type, format, 4, dims);
}

cudnnStatus_t cudnnSetConvolutionNdDescriptor(cudnnConvolutionDescriptor_t desc, int arrayLength, const int padA[],
                                              const int filterStrideA[], const int dilationA[],
                                              cudnnConvolutionMode_t mode, cudnnDataType_t computeType) {
  const char* call = "cudnnSetConvolutionNdDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (arrayLength < 1 || arrayLength > 3) return Complain(call, "1 to 3 spatial axes"), CUDNN_STATUS_NOT_SUPPORTED;
  if (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION) return Bad(call, "unknown mode");
  if (computeType != CUDNN_DATA_FLOAT) return Complain(call, "float compute only"), CUDNN_STATUS_NOT_SUPPORTED;
  for (int i = 0; i < arrayLength; ++i) {
    if (padA[i] < 0 || filterStrideA[i] <= 0 || dilationA[i] <= 0) {
      return Bad(call, "pads must be >= 0, strides and dilations > 0");
    }
  }
  desc->pad.assign(padA, padA + arrayLength);
  desc->stride.assign(filterStrideA, filterStrideA + arrayLength);
  desc->dilation.assign(dilationA, dilationA + arrayLength);
  desc->mode = mode;
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t desc, int groupCount) {
  if (desc == nullptr || groupCount < 1) return CUDNN_STATUS_BAD_PARAM;
  desc->groups = groupCount;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t desc, cudnnMathType_t mathType) {
  if (desc == nullptr || mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH) return CUDNN_STATUS_BAD_PARAM;
  desc->math = mathType;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionNdForwardOutputDim(const cudnnConvolutionDescriptor_t conv,
                                                    const cudnnTensorDescriptor_t input,
                                                    const cudnnFilterDescriptor_t filter, int nbDims,
                                                    int tensorOuputDimA[]) {
  const char* call = "cudnnGetConvolutionNdForwardOutputDim";
  if (conv == nullptr || !conv->set || input == nullptr || !input->set || filter == nullptr || !filter->set) {
    return Bad(call, "a descriptor was never set");
  }
  const int spatial = static_cast<int>(conv->pad.size());
  if (nbDims != spatial + 2 || static_cast<int>(input->dims.size()) != nbDims ||
      static_cast<int>(filter->dims.size()) != nbDims) {
    return Bad(call, "nbDims must be the tensors' rank, the convolution's axes plus two");
  }
  if (input->dims[1] % conv->groups != 0 || filter->dims[1] != input->dims[1] / conv->groups) {
    return Bad(call, "the filter's input channels must be the input's / groupCount");
  }
  tensorOuputDimA[0] = input->dims[0];
  tensorOuputDimA[1] = filter->dims[0];
  for (int a = 0; a < spatial; ++a) {
    const int out = OutputDim(input->dims[2 + a], conv->pad[a], filter->dims[2 + a], conv->dilation[a], conv->stride[a]);
    if (out <= 0) return Bad(call, "the dilated filter is larger than the padded input");
    tensorOuputDimA[2 + a] = out;
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithmMaxCount(cudnnHandle_t handle, int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithmMaxCount(cudnnHandle_t handle, int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(cudnnHandle_t handle, int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                   const cudnnFilterDescriptor_t w,
                                                   const cudnnConvolutionDescriptor_t conv,
                                                   const cudnnTensorDescriptor_t y, const int requested,
                                                   int* returned, cudnnConvolutionFwdAlgoPerf_t* perf) {
  return Rank("cudnnFindConvolutionForwardAlgorithm", h, x, w, conv, y, requested, returned, perf,
              CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_GEMM);
}
cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                     const cudnnFilterDescriptor_t w,
                                                     const cudnnConvolutionDescriptor_t conv,
                                                     const cudnnTensorDescriptor_t y, const int requested,
                                                     int* returned, cudnnConvolutionFwdAlgoPerf_t* perf) {
  return Rank("cudnnGetConvolutionForwardAlgorithm_v7", h, x, w, conv, y, requested, returned, perf,
              CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_GEMM);
}
cudnnStatus_t cudnnFindConvolutionBackwardDataAlgorithm(cudnnHandle_t h, const cudnnFilterDescriptor_t w,
                                                        const cudnnTensorDescriptor_t dy,
                                                        const cudnnConvolutionDescriptor_t conv,
                                                        const cudnnTensorDescriptor_t dx, const int requested,
                                                        int* returned, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
  return Rank("cudnnFindConvolutionBackwardDataAlgorithm", h, dx, w, conv, dy, requested, returned, perf,
              CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t h, const cudnnFilterDescriptor_t w,
                                                          const cudnnTensorDescriptor_t dy,
                                                          const cudnnConvolutionDescriptor_t conv,
                                                          const cudnnTensorDescriptor_t dx, const int requested,
                                                          int* returned, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
  return Rank("cudnnGetConvolutionBackwardDataAlgorithm_v7", h, dx, w, conv, dy, requested, returned, perf,
              CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0);
}
cudnnStatus_t cudnnFindConvolutionBackwardFilterAlgorithm(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                          const cudnnTensorDescriptor_t dy,
                                                          const cudnnConvolutionDescriptor_t conv,
                                                          const cudnnFilterDescriptor_t dw, const int requested,
                                                          int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
  return Rank("cudnnFindConvolutionBackwardFilterAlgorithm", h, x, dw, conv, dy, requested, returned, perf,
              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                            const cudnnTensorDescriptor_t dy,
                                                            const cudnnConvolutionDescriptor_t conv,
                                                            const cudnnFilterDescriptor_t dw, const int requested,
                                                            int* returned,
                                                            cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
  return Rank("cudnnGetConvolutionBackwardFilterAlgorithm_v7", h, x, dw, conv, dy, requested, returned, perf,
              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0);
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t xDesc,
                                      const void* x, const cudnnFilterDescriptor_t wDesc, const void* w,
                                      const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t,
                                      void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
                                      const cudnnTensorDescriptor_t yDesc, void* y) {
  const char* call = "cudnnConvolutionForward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, wv, yv;
  ConvShape s;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) ||
      !FilterOperand(call, "w", wDesc, w, &wv) || !Operand(call, "y", yDesc, y, &yv) ||
      !Geometry(call, convDesc, xv, wv, yv, &s)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  cnn_emu::DeviceAccess access;
  if (!Workspace(call, s, workSpace, workSpaceSizeInBytes)) return CUDNN_STATUS_BAD_PARAM;
  const bool tf32 = TensorCores(convDesc);
  const Lowering low(s, convDesc, xv, yv);
  std::vector<double> col, w_g, y_g;
  for (int n = 0; n < s.n; ++n) {
    for (int g = 0; g < s.groups; ++g) {
      low.Columns(xv, n, g, tf32, &col);
      low.Weights(wv, g, tf32, &w_g);
      Gemm(false, false, low.kg, low.outs, low.Rows(), w_g, col, &y_g);
      for (int k = 0; k < low.kg; ++k) {
        float* base = yv.p + static_cast<int64_t>(n) * yv.strides[0] + static_cast<int64_t>(g * low.kg + k) * yv.strides[1];
        for (int64_t o = 0; o < low.outs; ++o) {
          Blend(Scalar(alpha), y_g[k * low.outs + o], Scalar(beta), base + low.out_offset[o]);
        }
      }
    }
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void* alpha,
                                           const cudnnFilterDescriptor_t wDesc, const void* w,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                           const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionBwdDataAlgo_t,
                                           void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
                                           const cudnnTensorDescriptor_t dxDesc, void* dx) {
  const char* call = "cudnnConvolutionBackwardData";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View wv, dyv, dxv;
  ConvShape s;
  if (!HostScalars(call, {alpha, beta}) || !FilterOperand(call, "w", wDesc, w, &wv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !Operand(call, "dx", dxDesc, dx, &dxv) ||
      !Geometry(call, convDesc, dxv, wv, dyv, &s)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  cnn_emu::DeviceAccess access;
  if (!Workspace(call, s, workSpace, workSpaceSizeInBytes)) return CUDNN_STATUS_BAD_PARAM;
  const bool tf32 = TensorCores(convDesc);
  const Lowering low(s, convDesc, dxv, dyv);
  // Sums by dx's own offsets; the blend below visits each element once.
  std::vector<double> acc(dxv.SpanElements(), 0.0), w_g, dy_g, col;
  for (int n = 0; n < s.n; ++n) {
    for (int g = 0; g < s.groups; ++g) {
      low.Weights(wv, g, tf32, &w_g);
      low.OutputBlock(dyv, n, g, tf32, &dy_g);
      Gemm(true, false, low.Rows(), low.outs, low.kg, w_g, dy_g, &col);
      for (int c = 0; c < low.cg; ++c) {
        double* base = acc.data() + static_cast<int64_t>(n) * dxv.strides[0] +
                       static_cast<int64_t>(g * low.cg + c) * dxv.strides[1];
        for (int64_t t = 0; t < low.taps; ++t) {
          const double* row = col.data() + (c * low.taps + t) * low.outs;
          const int64_t* off = low.in_offset.data() + t * low.outs;
          for (int64_t o = 0; o < low.outs; ++o) {
            if (off[o] >= 0) base[off[o]] += row[o];
          }
        }
      }
    }
  }
  ForEach(dxv.dims, [&](const int* idx) { Blend(Scalar(alpha), acc[dxv.Offset(idx)], Scalar(beta), &dxv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void* alpha,
                                             const cudnnTensorDescriptor_t xDesc, const void* x,
                                             const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             cudnnConvolutionBwdFilterAlgo_t, void* workSpace,
                                             size_t workSpaceSizeInBytes, const void* beta,
                                             const cudnnFilterDescriptor_t dwDesc, void* dw) {
  const char* call = "cudnnConvolutionBackwardFilter";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, dyv, dwv;
  ConvShape s;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !FilterOperand(call, "dw", dwDesc, dw, &dwv) ||
      !Geometry(call, convDesc, xv, dwv, dyv, &s)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  cnn_emu::DeviceAccess access;
  if (!Workspace(call, s, workSpace, workSpaceSizeInBytes)) return CUDNN_STATUS_BAD_PARAM;
  const bool tf32 = TensorCores(convDesc);
  const Lowering low(s, convDesc, xv, dyv);
  std::vector<double> acc(Count(dwv.dims), 0.0), col, dy_g, dw_g;
  for (int n = 0; n < s.n; ++n) {
    for (int g = 0; g < s.groups; ++g) {
      low.Columns(xv, n, g, tf32, &col);
      low.OutputBlock(dyv, n, g, tf32, &dy_g);
      Gemm(false, true, low.kg, low.Rows(), low.outs, dy_g, col, &dw_g);
      double* base = acc.data() + static_cast<int64_t>(g) * low.kg * low.Rows();
      for (int64_t i = 0; i < low.kg * low.Rows(); ++i) base[i] += dw_g[i];
    }
  }
  for (int64_t i = 0; i < Count(dwv.dims); ++i) Blend(Scalar(alpha), acc[i], Scalar(beta), dwv.p + i);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const void* alpha,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                           const cudnnTensorDescriptor_t dbDesc, void* db) {
  const char* call = "cudnnConvolutionBackwardBias";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View dyv, dbv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "dy", dyDesc, dy, &dyv) ||
      !Operand(call, "db", dbDesc, db, &dbv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  Dims want(dyv.dims.size(), 1);
  want[1] = dyv.dims[1];
  if (dbv.dims != want) return Bad(call, "db must be 1 x C x 1 x 1 with dy's C");
  cnn_emu::DeviceAccess access;
  std::vector<double> acc(dyv.dims[1], 0.0);
  ForEach(dyv.dims, [&](const int* idx) { acc[idx[1]] += dyv.At(idx); });
  ForEach(dbv.dims, [&](const int* idx) { Blend(Scalar(alpha), acc[idx[1]], Scalar(beta), &dbv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnAddTensor(cudnnHandle_t handle, const void* alpha, const cudnnTensorDescriptor_t aDesc,
                             const void* A, const void* beta, const cudnnTensorDescriptor_t cDesc, void* C) {
  const char* call = "cudnnAddTensor";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View av, cv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "A", aDesc, A, &av) || !Operand(call, "C", cDesc, C, &cv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (av.dims.size() != cv.dims.size() || cv.dims.size() > 5) return Bad(call, "A and C must have one rank, <= 5");
  for (size_t i = 0; i < av.dims.size(); ++i) {
    if (av.dims[i] != cv.dims[i] && av.dims[i] != 1) return Bad(call, "each dim of A must be C's or 1");
  }
  cnn_emu::DeviceAccess access;
  std::vector<int> ai(av.dims.size());
  ForEach(cv.dims, [&](const int* idx) {
    for (size_t i = 0; i < ai.size(); ++i) ai[i] = av.dims[i] == 1 ? 0 : idx[i];
    Blend(Scalar(alpha), av.At(ai.data()), Scalar(beta), &cv.At(idx));
  });
  return CUDNN_STATUS_SUCCESS;
}

// ---- Pooling ---------------------------------------------------------------

cudnnStatus_t cudnnSetPooling2dDescriptor(cudnnPoolingDescriptor_t desc, cudnnPoolingMode_t mode,
                                          cudnnNanPropagation_t nan, int windowHeight, int windowWidth,
                                          int verticalPadding, int horizontalPadding, int verticalStride,
                                          int horizontalStride) {
  const char* call = "cudnnSetPooling2dDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (mode < CUDNN_POOLING_MAX || mode > CUDNN_POOLING_MAX_DETERMINISTIC) return Bad(call, "unknown mode");
  if (nan != CUDNN_NOT_PROPAGATE_NAN && nan != CUDNN_PROPAGATE_NAN) return Bad(call, "unknown NaN option");
  if (windowHeight <= 0 || windowWidth <= 0 || verticalStride <= 0 || horizontalStride <= 0) {
    return Bad(call, "windows and strides must be positive");
  }
  desc->mode = mode;
  desc->nan = nan;
  desc->window[0] = windowHeight, desc->window[1] = windowWidth;
  desc->pad[0] = verticalPadding, desc->pad[1] = horizontalPadding;
  desc->stride[0] = verticalStride, desc->stride[1] = horizontalStride;
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetPooling2dForwardOutputDim(const cudnnPoolingDescriptor_t desc,
                                                const cudnnTensorDescriptor_t input, int* n, int* c, int* h,
                                                int* w) {
  const char* call = "cudnnGetPooling2dForwardOutputDim";
  if (desc == nullptr || !desc->set || input == nullptr || !input->set) return Bad(call, "a descriptor was never set");
  if (input->dims.size() != 4) return Bad(call, "the input must be 4-D");
  *n = input->dims[0];
  *c = input->dims[1];
  *h = 1 + (input->dims[2] + 2 * desc->pad[0] - desc->window[0]) / desc->stride[0];
  *w = 1 + (input->dims[3] + 2 * desc->pad[1] - desc->window[1]) / desc->stride[1];
  if (*h <= 0 || *w <= 0) return Bad(call, "the window is larger than the padded input");
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnPoolingForward(cudnnHandle_t handle, const cudnnPoolingDescriptor_t desc, const void* alpha,
                                  const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,
                                  const cudnnTensorDescriptor_t yDesc, void* y) {
  const char* call = "cudnnPoolingForward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, yv;
  if (desc == nullptr || !desc->set) return Bad(call, "the pooling descriptor was never set");
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (xv.dims.size() != 4 || yv.dims.size() != 4 || xv.dims[0] != yv.dims[0] || xv.dims[1] != yv.dims[1]) {
    return Bad(call, "x and y must be 4-D with the same N and C");
  }
  cnn_emu::DeviceAccess access;
  ForEach(yv.dims, [&](const int* o) {
    const Window w = PoolWindow(*desc, o[2], o[3], xv.dims[2], xv.dims[3]);
    double r = 0.0;
    if (IsMax(*desc)) {
      int mh, mw;
      if (ArgMax(*desc, xv, o[0], o[1], w, &mh, &mw)) {
        const int idx[4] = {o[0], o[1], mh, mw};
        r = xv.At(idx);
      } else {
        r = -INFINITY;  // a window inside the padding
      }
    } else {
      for (int h = w.h0; h < w.h1; ++h) {
        for (int ww = w.w0; ww < w.w1; ++ww) {
          const int idx[4] = {o[0], o[1], h, ww};
          r += xv.At(idx);
        }
      }
      r = w.divisor > 0 ? r / w.divisor : 0.0;
    }
    Blend(Scalar(alpha), r, Scalar(beta), &yv.At(o));
  });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnPoolingBackward(cudnnHandle_t handle, const cudnnPoolingDescriptor_t desc, const void* alpha,
                                   const cudnnTensorDescriptor_t yDesc, const void* y,
                                   const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                   const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,
                                   const cudnnTensorDescriptor_t dxDesc, void* dx) {
  const char* call = "cudnnPoolingBackward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  if (desc == nullptr || !desc->set) return Bad(call, "the pooling descriptor was never set");
  View yv, dyv, xv, dxv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "y", yDesc, y, &yv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !Operand(call, "x", xDesc, x, &xv) ||
      !Operand(call, "dx", dxDesc, dx, &dxv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(yv, dyv) || !SameDims(xv, dxv) || xv.dims.size() != 4) {
    return Bad(call, "y and dy, x and dx must have the same 4-D dims");
  }
  cnn_emu::DeviceAccess access;
  const View packed{dxv.dims, Packed(dxv.dims)};
  std::vector<double> acc(Count(dxv.dims), 0.0);
  ForEach(dyv.dims, [&](const int* o) {
    const Window w = PoolWindow(*desc, o[2], o[3], xv.dims[2], xv.dims[3]);
    const double g = dyv.At(o);
    if (IsMax(*desc)) {
      int mh, mw;
      if (ArgMax(*desc, xv, o[0], o[1], w, &mh, &mw)) {
        const int idx[4] = {o[0], o[1], mh, mw};
        acc[packed.Offset(idx)] += g;
      }
      return;
    }
    if (w.divisor == 0) return;
    for (int h = w.h0; h < w.h1; ++h) {
      for (int ww = w.w0; ww < w.w1; ++ww) {
        const int idx[4] = {o[0], o[1], h, ww};
        acc[packed.Offset(idx)] += g / w.divisor;
      }
    }
  });
  ForEach(dxv.dims,
          [&](const int* idx) { Blend(Scalar(alpha), acc[packed.Offset(idx)], Scalar(beta), &dxv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

// ---- LRN -------------------------------------------------------------------

cudnnStatus_t cudnnSetLRNDescriptor(cudnnLRNDescriptor_t desc, unsigned lrnN, double lrnAlpha, double lrnBeta,
                                    double lrnK) {
  const char* call = "cudnnSetLRNDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (lrnN < CUDNN_LRN_MIN_N || lrnN > CUDNN_LRN_MAX_N) return Bad(call, "lrnN must be 1 to 16");
  if (lrnK < CUDNN_LRN_MIN_K || lrnBeta < CUDNN_LRN_MIN_BETA) return Bad(call, "lrnK >= 1e-5 and lrnBeta >= 0.01");
  desc->n = lrnN;
  desc->alpha = lrnAlpha;
  desc->beta = lrnBeta;
  desc->k = lrnK;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnLRNCrossChannelForward(cudnnHandle_t handle, cudnnLRNDescriptor_t desc, cudnnLRNMode_t mode,
                                          const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
                                          const void* beta, const cudnnTensorDescriptor_t yDesc, void* y) {
  const char* call = "cudnnLRNCrossChannelForward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, yv;
  if (desc == nullptr || mode != CUDNN_LRN_CROSS_CHANNEL_DIM1) return Bad(call, "no descriptor or an unknown mode");
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(xv, yv) || xv.dims.size() < 4) return Bad(call, "x and y must have the same dims, 4-D or more");
  cnn_emu::DeviceAccess access;
  // Computed whole before any write: in place, y is x.
  std::vector<double> r;
  r.reserve(Count(xv.dims));
  ForEach(xv.dims, [&](const int* idx) { r.push_back(xv.At(idx) * std::pow(LrnScale(*desc, xv, idx), -desc->beta)); });
  size_t i = 0;
  ForEach(yv.dims, [&](const int* idx) { Blend(Scalar(alpha), r[i++], Scalar(beta), &yv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnLRNCrossChannelBackward(cudnnHandle_t handle, cudnnLRNDescriptor_t desc, cudnnLRNMode_t mode,
                                           const void* alpha, const cudnnTensorDescriptor_t yDesc, const void* y,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                           const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,
                                           const cudnnTensorDescriptor_t dxDesc, void* dx) {
  const char* call = "cudnnLRNCrossChannelBackward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  if (desc == nullptr || mode != CUDNN_LRN_CROSS_CHANNEL_DIM1) return Bad(call, "no descriptor or an unknown mode");
  View yv, dyv, xv, dxv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "y", yDesc, y, &yv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !Operand(call, "x", xDesc, x, &xv) ||
      !Operand(call, "dx", dxDesc, dx, &dxv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(xv, yv) || !SameDims(xv, dyv) || !SameDims(xv, dxv) || xv.dims.size() < 4) {
    return Bad(call, "x, y, dy and dx must have the same dims, 4-D or more");
  }
  cnn_emu::DeviceAccess access;
  const LrnWindow win(desc->n);
  // dx_m = dy_m s_m^-beta - 2 beta alpha / n x_m sum over the windows i that
  // hold m of dy_i y_i / s_i.
  std::vector<double> r;
  r.reserve(Count(xv.dims));
  std::vector<int> other(xv.dims.size());
  ForEach(xv.dims, [&](const int* m) {
    double sum = 0.0;
    std::copy(m, m + xv.dims.size(), other.begin());
    for (int i = m[1] - win.ahead; i <= m[1] + win.behind; ++i) {
      if (i < 0 || i >= xv.dims[1]) continue;
      other[1] = i;
      sum += static_cast<double>(dyv.At(other.data())) * yv.At(other.data()) / LrnScale(*desc, xv, other.data());
    }
    const double s = LrnScale(*desc, xv, m);
    r.push_back(dyv.At(m) * std::pow(s, -desc->beta) - 2.0 * desc->beta * desc->alpha / desc->n * xv.At(m) * sum);
  });
  size_t i = 0;
  ForEach(dxv.dims, [&](const int* idx) { Blend(Scalar(alpha), r[i++], Scalar(beta), &dxv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

// ---- Softmax ---------------------------------------------------------------


cudnnStatus_t cudnnSoftmaxForward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                  const void* alpha, const cudnnTensorDescriptor_t xDesc, const void* x,
                                  const void* beta, const cudnnTensorDescriptor_t yDesc, void* y) {
  const char* call = "cudnnSoftmaxForward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, yv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(xv, yv) || xv.dims.size() < 4) return Bad(call, "x and y must have the same dims, 4-D or more");
  cnn_emu::DeviceAccess access;
  ForEachSoftmaxSet(xv, mode, [&](const std::vector<std::vector<int>>& set) {
    double m = algo == CUDNN_SOFTMAX_FAST ? 0.0 : -INFINITY;
    if (algo != CUDNN_SOFTMAX_FAST) {
      for (const auto& i : set) m = std::max(m, static_cast<double>(xv.At(i.data())));
    }
    double sum = 0.0;
    for (const auto& i : set) sum += std::exp(xv.At(i.data()) - m);
    std::vector<double> r;
    for (const auto& i : set) {
      const double d = xv.At(i.data()) - m;
      r.push_back(algo == CUDNN_SOFTMAX_LOG ? d - std::log(sum) : std::exp(d) / sum);
    }
    for (size_t j = 0; j < set.size(); ++j) Blend(Scalar(alpha), r[j], Scalar(beta), &yv.At(set[j].data()));
  });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSoftmaxBackward(cudnnHandle_t handle, cudnnSoftmaxAlgorithm_t algo, cudnnSoftmaxMode_t mode,
                                   const void* alpha, const cudnnTensorDescriptor_t yDesc, const void* y,
                                   const cudnnTensorDescriptor_t dyDesc, const void* dy, const void* beta,
                                   const cudnnTensorDescriptor_t dxDesc, void* dx) {
  const char* call = "cudnnSoftmaxBackward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View yv, dyv, dxv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "y", yDesc, y, &yv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !Operand(call, "dx", dxDesc, dx, &dxv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(yv, dyv) || !SameDims(yv, dxv) || yv.dims.size() < 4) {
    return Bad(call, "y, dy and dx must have the same dims, 4-D or more");
  }
  cnn_emu::DeviceAccess access;
  ForEachSoftmaxSet(yv, mode, [&](const std::vector<std::vector<int>>& set) {
    double dot = 0.0, sum = 0.0;
    for (const auto& i : set) {
      dot += static_cast<double>(dyv.At(i.data())) * yv.At(i.data());
      sum += dyv.At(i.data());
    }
    std::vector<double> r;
    for (const auto& i : set) {
      const double yi = yv.At(i.data()), dyi = dyv.At(i.data());
      r.push_back(algo == CUDNN_SOFTMAX_LOG ? dyi - std::exp(yi) * sum : yi * (dyi - dot));
    }
    for (size_t j = 0; j < set.size(); ++j) Blend(Scalar(alpha), r[j], Scalar(beta), &dxv.At(set[j].data()));
  });
  return CUDNN_STATUS_SUCCESS;
}

// ---- Activation ------------------------------------------------------------

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t desc, cudnnActivationMode_t mode,
                                           cudnnNanPropagation_t nan, double coef) {
  const char* call = "cudnnSetActivationDescriptor";
  if (desc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  if (mode < CUDNN_ACTIVATION_SIGMOID || mode > CUDNN_ACTIVATION_ELU) {
    return Complain(call, "the emulator has SIGMOID, RELU, TANH, CLIPPED_RELU and ELU"), CUDNN_STATUS_NOT_SUPPORTED;
  }
  if (nan != CUDNN_NOT_PROPAGATE_NAN && nan != CUDNN_PROPAGATE_NAN) return Bad(call, "unknown NaN option");
  desc->mode = mode;
  desc->nan = nan;
  desc->coef = coef;
  desc->set = true;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnActivationForward(cudnnHandle_t handle, cudnnActivationDescriptor_t desc, const void* alpha,
                                     const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,
                                     const cudnnTensorDescriptor_t yDesc, void* y) {
  const char* call = "cudnnActivationForward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  if (desc == nullptr || !desc->set) return Bad(call, "the activation descriptor was never set");
  View xv, yv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(xv, yv)) return Bad(call, "x and y must have the same dims");
  cnn_emu::DeviceAccess access;
  ForEach(xv.dims, [&](const int* idx) { Blend(Scalar(alpha), Activate(*desc, xv.At(idx)), Scalar(beta), &yv.At(idx)); });
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnActivationBackward(cudnnHandle_t handle, cudnnActivationDescriptor_t desc, const void* alpha,
                                      const cudnnTensorDescriptor_t yDesc, const void* y,
                                      const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                      const cudnnTensorDescriptor_t xDesc, const void* x, const void* beta,
                                      const cudnnTensorDescriptor_t dxDesc, void* dx) {
  const char* call = "cudnnActivationBackward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  if (desc == nullptr || !desc->set) return Bad(call, "the activation descriptor was never set");
  View yv, dyv, xv, dxv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "y", yDesc, y, &yv) ||
      !Operand(call, "dy", dyDesc, dy, &dyv) || !Operand(call, "x", xDesc, x, &xv) ||
      !Operand(call, "dx", dxDesc, dx, &dxv)) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (!SameDims(xv, yv) || !SameDims(xv, dyv) || !SameDims(xv, dxv)) return Bad(call, "all four must have one shape");
  cnn_emu::DeviceAccess access;
  ForEach(xv.dims, [&](const int* idx) {
    const double d = ActivationGradient(*desc, xv.At(idx), yv.At(idx), dyv.At(idx));
    Blend(Scalar(alpha), d, Scalar(beta), &dxv.At(idx));
  });
  return CUDNN_STATUS_SUCCESS;
}

// ---- Batch normalisation ----------------------------------------------------

cudnnStatus_t cudnnDeriveBNTensorDescriptor(cudnnTensorDescriptor_t derived, const cudnnTensorDescriptor_t x,
                                            cudnnBatchNormMode_t mode) {
  const char* call = "cudnnDeriveBNTensorDescriptor";
  if (derived == nullptr || x == nullptr || !x->set) return Bad(call, "a descriptor was never set");
  if (x->dims.size() < 4 || x->dims.size() > 5) return Bad(call, "x must be 4-D or 5-D");
  Dims dims(x->dims.size(), 1);
  dims[1] = x->dims[1];
  if (mode == CUDNN_BATCHNORM_PER_ACTIVATION) {
    dims = x->dims;
    dims[0] = 1;
  } else if (mode != CUDNN_BATCHNORM_SPATIAL && mode != CUDNN_BATCHNORM_SPATIAL_PERSISTENT) {
    return Bad(call, "unknown mode");
  }
  const Dims strides = Packed(dims);
  return cudnnSetTensorNdDescriptor(derived, CUDNN_DATA_FLOAT, static_cast<int>(dims.size()), dims.data(),
                                    strides.data());
}

cudnnStatus_t cudnnBatchNormalizationForwardTraining(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void* alpha, const void* beta,
    const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t yDesc, void* y,
    const cudnnTensorDescriptor_t bnDesc, const void* bnScale, const void* bnBias, double factor,
    void* runningMean, void* runningVariance, double epsilon, void* saveMean, void* saveInvVariance) {
  const char* call = "cudnnBatchNormalizationForwardTraining";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, yv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv) ||
      !SameDims(xv, yv) ||
      !BnParams(call, mode, xv, bnDesc, {bnScale, bnBias, runningMean, runningVariance, saveMean, saveInvVariance})) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (bnScale == nullptr || bnBias == nullptr) return Bad(call, "bnScale and bnBias are required");
  if ((runningMean == nullptr) != (runningVariance == nullptr)) {
    return Bad(call, "the running mean and variance are both given or both null");
  }
  if ((saveMean == nullptr) != (saveInvVariance == nullptr)) {
    return Bad(call, "the saved mean and inverse variance are both given or both null");
  }
  if (epsilon < CUDNN_BN_MIN_EPSILON) return Bad(call, "epsilon below CUDNN_BN_MIN_EPSILON");
  cnn_emu::DeviceAccess access;
  const int channels = xv.dims[1];
  const double m = static_cast<double>(Count(xv.dims)) / channels;
  const float* scale = static_cast<const float*>(bnScale);
  const float* bias = static_cast<const float*>(bnBias);
  std::vector<double> ys;
  for (int c = 0; c < channels; ++c) {
    double sum = 0.0, sq = 0.0;
    ForEachInChannel(xv, c, [&](const int* i) { sum += xv.At(i); });
    const double mean = sum / m;
    ForEachInChannel(xv, c, [&](const int* i) { sq += (xv.At(i) - mean) * (xv.At(i) - mean); });
    const double var = sq / m;  // biased: what the output is normalised by
    const double inv_std = 1.0 / std::sqrt(var + epsilon);
    // Computed whole before writing: y may be x.
    ys.clear();
    ForEachInChannel(xv, c, [&](const int* i) { ys.push_back(scale[c] * (xv.At(i) - mean) * inv_std + bias[c]); });
    size_t j = 0;
    ForEachInChannel(yv, c, [&](const int* i) { Blend(Scalar(alpha), ys[j++], Scalar(beta), &yv.At(i)); });
    if (runningMean != nullptr) {
      // The running variance is the unbiased (sample) one.
      const double unbiased = m > 1 ? var * m / (m - 1) : var;
      float* rm = static_cast<float*>(runningMean);
      float* rv = static_cast<float*>(runningVariance);
      rm[c] = static_cast<float>((1.0 - factor) * rm[c] + factor * mean);
      rv[c] = static_cast<float>((1.0 - factor) * rv[c] + factor * unbiased);
    }
    if (saveMean != nullptr) {
      static_cast<float*>(saveMean)[c] = static_cast<float>(mean);
      static_cast<float*>(saveInvVariance)[c] = static_cast<float>(inv_std);
    }
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBatchNormalizationForwardInference(cudnnHandle_t handle, cudnnBatchNormMode_t mode,
                                                      const void* alpha, const void* beta,
                                                      const cudnnTensorDescriptor_t xDesc, const void* x,
                                                      const cudnnTensorDescriptor_t yDesc, void* y,
                                                      const cudnnTensorDescriptor_t bnDesc, const void* bnScale,
                                                      const void* bnBias, const void* estimatedMean,
                                                      const void* estimatedVariance, double epsilon) {
  const char* call = "cudnnBatchNormalizationForwardInference";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, yv;
  if (!HostScalars(call, {alpha, beta}) || !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "y", yDesc, y, &yv) ||
      !SameDims(xv, yv) || !BnParams(call, mode, xv, bnDesc, {bnScale, bnBias, estimatedMean, estimatedVariance})) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (bnScale == nullptr || bnBias == nullptr || estimatedMean == nullptr || estimatedVariance == nullptr) {
    return Bad(call, "scale, bias, mean and variance are all required");
  }
  if (epsilon < CUDNN_BN_MIN_EPSILON) return Bad(call, "epsilon below CUDNN_BN_MIN_EPSILON");
  cnn_emu::DeviceAccess access;
  const float* scale = static_cast<const float*>(bnScale);
  const float* bias = static_cast<const float*>(bnBias);
  const float* mean = static_cast<const float*>(estimatedMean);
  const float* var = static_cast<const float*>(estimatedVariance);
  std::vector<double> ys;
  for (int c = 0; c < xv.dims[1]; ++c) {
    const double inv_std = 1.0 / std::sqrt(epsilon + var[c]);
    ys.clear();
    ForEachInChannel(xv, c, [&](const int* i) { ys.push_back(scale[c] * (xv.At(i) - mean[c]) * inv_std + bias[c]); });
    size_t j = 0;
    ForEachInChannel(yv, c, [&](const int* i) { Blend(Scalar(alpha), ys[j++], Scalar(beta), &yv.At(i)); });
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBatchNormalizationBackward(cudnnHandle_t handle, cudnnBatchNormMode_t mode,
                                              const void* alphaDataDiff, const void* betaDataDiff,
                                              const void* alphaParamDiff, const void* betaParamDiff,
                                              const cudnnTensorDescriptor_t xDesc, const void* x,
                                              const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                              const cudnnTensorDescriptor_t dxDesc, void* dx,
                                              const cudnnTensorDescriptor_t bnDesc, const void* bnScale,
                                              void* dBnScaleResult, void* dBnBiasResult, double epsilon,
                                              const void* savedMean, const void* savedInvVariance) {
  const char* call = "cudnnBatchNormalizationBackward";
  if (!Begin(handle)) return CUDNN_STATUS_NOT_INITIALIZED;
  View xv, dyv, dxv;
  if (!HostScalars(call, {alphaDataDiff, betaDataDiff, alphaParamDiff, betaParamDiff}) ||
      !Operand(call, "x", xDesc, x, &xv) || !Operand(call, "dy", dyDesc, dy, &dyv) ||
      !Operand(call, "dx", dxDesc, dx, &dxv) || !SameDims(xv, dyv) || !SameDims(xv, dxv) ||
      !BnParams(call, mode, xv, bnDesc, {bnScale, dBnScaleResult, dBnBiasResult, savedMean, savedInvVariance})) {
    return CUDNN_STATUS_BAD_PARAM;
  }
  if (bnScale == nullptr || dBnScaleResult == nullptr || dBnBiasResult == nullptr) {
    return Bad(call, "bnScale and both parameter gradients are required");
  }
  if ((savedMean == nullptr) != (savedInvVariance == nullptr)) {
    return Bad(call, "the saved mean and inverse variance are both given or both null");
  }
  cnn_emu::DeviceAccess access;
  const int channels = xv.dims[1];
  const double m = static_cast<double>(Count(xv.dims)) / channels;
  const float* scale = static_cast<const float*>(bnScale);
  float* dscale = static_cast<float*>(dBnScaleResult);
  float* dbias = static_cast<float*>(dBnBiasResult);
  std::vector<double> dxs;
  for (int c = 0; c < channels; ++c) {
    double mean, inv_std;
    if (savedMean != nullptr) {
      mean = static_cast<const float*>(savedMean)[c];
      inv_std = static_cast<const float*>(savedInvVariance)[c];
    } else {
      double sum = 0.0, sq = 0.0;
      ForEachInChannel(xv, c, [&](const int* i) { sum += xv.At(i); });
      mean = sum / m;
      ForEachInChannel(xv, c, [&](const int* i) { sq += (xv.At(i) - mean) * (xv.At(i) - mean); });
      inv_std = 1.0 / std::sqrt(sq / m + epsilon);
    }
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    ForEachInChannel(xv, c, [&](const int* i) {
      sum_dy += dyv.At(i);
      sum_dy_xhat += dyv.At(i) * (xv.At(i) - mean) * inv_std;
    });
    dxs.clear();
    ForEachInChannel(xv, c, [&](const int* i) {
      const double xhat = (xv.At(i) - mean) * inv_std;
      dxs.push_back(scale[c] * inv_std / m * (m * dyv.At(i) - sum_dy - xhat * sum_dy_xhat));
    });
    size_t j = 0;
    ForEachInChannel(dxv, c,
                     [&](const int* i) { Blend(Scalar(alphaDataDiff), dxs[j++], Scalar(betaDataDiff), &dxv.At(i)); });
    Blend(Scalar(alphaParamDiff), sum_dy_xhat, Scalar(betaParamDiff), dscale + c);
    Blend(Scalar(alphaParamDiff), sum_dy, Scalar(betaParamDiff), dbias + c);
  }
  return CUDNN_STATUS_SUCCESS;
}

}  // extern "C"
