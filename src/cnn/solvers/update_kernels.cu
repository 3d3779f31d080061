#include "cnn/solvers/update_kernels.hpp"

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/solvers/adamw_step.hpp"

namespace cnn {
namespace {

// nvcc would contract a * b + c into one fused multiply-add with a single
// rounding; the CPU loops round after every operation. The _rn intrinsics are
// never contracted, so for the same gradient and history the GPU step is the
// CPU step bit for bit, and each kernel below reads like its CPU loop.
__device__ __forceinline__ float Mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float Add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float Sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ float Div(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ float Sqrt(float a) { return __fsqrt_rn(a); }

__global__ void L1RegularizeKernel(int n, float decay, const float* w, float* g) {
  CNN_KERNEL_LOOP(i, n) {
    const float sign = static_cast<float>((w[i] > 0.f) - (w[i] < 0.f));
    g[i] = Add(g[i], Mul(decay, sign));
  }
}

__global__ void SgdKernel(int n, float* g, float* v, float momentum, float rate) {
  CNN_KERNEL_LOOP(i, n) {
    const float vi = Add(Mul(rate, g[i]), Mul(momentum, v[i]));
    v[i] = vi;
    g[i] = vi;
  }
}

__global__ void NesterovKernel(int n, float* g, float* v, float momentum, float rate) {
  CNN_KERNEL_LOOP(i, n) {
    const float v_old = v[i];
    const float v_new = Add(Mul(rate, g[i]), Mul(momentum, v_old));
    v[i] = v_new;
    g[i] = Sub(Mul(Add(1.f, momentum), v_new), Mul(momentum, v_old));
  }
}

__global__ void AdaGradKernel(int n, float* g, float* h, float delta, float rate) {
  CNN_KERNEL_LOOP(i, n) {
    const float gi = g[i];
    const float hi = Add(h[i], Mul(gi, gi));
    h[i] = hi;
    g[i] = Div(Mul(rate, gi), Add(Sqrt(hi), delta));
  }
}

__global__ void RMSPropKernel(int n, float* g, float* h, float decay, float delta, float rate) {
  CNN_KERNEL_LOOP(i, n) {
    const float gi = g[i];
    const float hi = Add(Mul(decay, h[i]), Mul(Mul(Sub(1.f, decay), gi), gi));
    h[i] = hi;
    g[i] = Div(Mul(rate, gi), Add(Sqrt(hi), delta));
  }
}

__global__ void AdaDeltaKernel(int n, float* g, float* g2, float* s2, float m, float delta, float rate) {
  CNN_KERNEL_LOOP(i, n) {
    const float gi = g[i];
    const float g2i = Add(Mul(m, g2[i]), Mul(Mul(Sub(1.f, m), gi), gi));
    g2[i] = g2i;
    const float step = Mul(gi, Sqrt(Div(Add(s2[i], delta), Add(g2i, delta))));
    s2[i] = Add(Mul(m, s2[i]), Mul(Mul(Sub(1.f, m), step), step));
    g[i] = Mul(rate, step);
  }
}

__global__ void AdamKernel(int n, float* g, float* m, float* v, float beta1, float beta2, float eps,
                           float rate_correction) {
  CNN_KERNEL_LOOP(i, n) {
    const float gi = g[i];
    const float mi = Add(Mul(beta1, m[i]), Mul(Sub(1.f, beta1), gi));
    const float vi = Add(Mul(beta2, v[i]), Mul(Mul(Sub(1.f, beta2), gi), gi));
    m[i] = mi;
    v[i] = vi;
    g[i] = Div(Mul(rate_correction, mi), Add(Sqrt(vi), eps));
  }
}

// The formula is the CPU loop's own (adamw_step.hpp), not a copy of it.
__global__ void AdamWKernel(int n, const float* w, float* g, float* m, float* v, float beta1, float beta2, float eps,
                            float rate_correction, float rate_decay) {
  CNN_KERNEL_LOOP(i, n) {
    g[i] = AdamWStep(g[i], w[i], &m[i], &v[i], beta1, beta2, eps, rate_correction, rate_decay);
  }
}

}  // namespace

void gpu_l1_regularize(int n, float decay, const float* w, float* g) {
  L1RegularizeKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, decay, w, g);
  CNN_KERNEL_CHECK();
}

void gpu_sgd_update(int n, float* g, float* v, float momentum, float rate) {
  SgdKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, v, momentum, rate);
  CNN_KERNEL_CHECK();
}

void gpu_nesterov_update(int n, float* g, float* v, float momentum, float rate) {
  NesterovKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, v, momentum, rate);
  CNN_KERNEL_CHECK();
}

void gpu_adagrad_update(int n, float* g, float* h, float delta, float rate) {
  AdaGradKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, h, delta, rate);
  CNN_KERNEL_CHECK();
}

void gpu_rmsprop_update(int n, float* g, float* h, float rms_decay, float delta, float rate) {
  RMSPropKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, h, rms_decay, delta, rate);
  CNN_KERNEL_CHECK();
}

void gpu_adadelta_update(int n, float* g, float* g2, float* s2, float momentum, float delta, float rate) {
  AdaDeltaKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, g2, s2, momentum, delta, rate);
  CNN_KERNEL_CHECK();
}

void gpu_adam_update(int n, float* g, float* m, float* v, float beta1, float beta2, float eps,
                     float rate_correction) {
  AdamKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, g, m, v, beta1, beta2, eps, rate_correction);
  CNN_KERNEL_CHECK();
}

void gpu_adamw_update(int n, const float* w, float* g, float* m, float* v, float beta1, float beta2, float eps,
                      float rate_correction, float rate_decay) {
  AdamWKernel<<<gpu::Blocks(n), gpu::kThreads>>>(n, w, g, m, v, beta1, beta2, eps, rate_correction, rate_decay);
  CNN_KERNEL_CHECK();
}

}  // namespace cnn
