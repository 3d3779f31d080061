// GPU twins of the solvers' per-weight update rules: each call is one fused
// kernel over a parameter blob's device arrays, queued on the default stream.
// `g` holds the regularised gradient on entry and the step to subtract on
// return; the history arrays are updated in place. Each rule computes what
// the matching CPU loop in the solver's .cpp computes, operation for
// operation. CUDA builds only.
#pragma once

namespace cnn {

// g += decay * sign(w).
void gpu_l1_regularize(int n, float decay, const float* w, float* g);

// v = rate * g + momentum * v; g = v.
void gpu_sgd_update(int n, float* g, float* v, float momentum, float rate);
// v' = rate * g + momentum * v; g = (1 + momentum) * v' - momentum * v.
void gpu_nesterov_update(int n, float* g, float* v, float momentum, float rate);
// h += g^2; g = rate * g / (sqrt(h) + delta).
void gpu_adagrad_update(int n, float* g, float* h, float delta, float rate);
// h = decay * h + (1 - decay) * g^2; g = rate * g / (sqrt(h) + delta).
void gpu_rmsprop_update(int n, float* g, float* h, float rms_decay, float delta, float rate);
// g2: running mean of squared gradients, s2: of squared steps.
void gpu_adadelta_update(int n, float* g, float* g2, float* s2, float momentum, float delta, float rate);
// m, v: first and second moments; rate_correction = rate * bias correction.
void gpu_adam_update(int n, float* g, float* m, float* v, float beta1, float beta2, float eps,
                     float rate_correction);
// AdamW (adamw_step.hpp): Adam's moments, plus rate_decay * w in the step.
void gpu_adamw_update(int n, const float* w, float* g, float* m, float* v, float beta1, float beta2, float eps,
                      float rate_correction, float rate_decay);

}  // namespace cnn
