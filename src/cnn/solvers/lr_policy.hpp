// Learning-rate schedules named by SolverParameter.lr_policy.
#pragma once

#include "cnn/cnn.pb.h"

namespace cnn {

// The rate at iteration `iter`. `current_step` is the multistep position,
// advanced here as iterations pass stepvalue boundaries and saved in
// snapshots so a resumed run continues on the same step.
//   fixed:     base_lr
//   step:      base_lr * gamma ^ floor(iter / stepsize)
//   exp:       base_lr * gamma ^ iter
//   inv:       base_lr * (1 + gamma * iter) ^ (-power)
//   multistep: base_lr * gamma ^ (number of stepvalue entries <= iter)
//   poly:      base_lr * (1 - iter / max_iter) ^ power
//   sigmoid:   base_lr / (1 + exp(-gamma * (iter - stepsize)))
//   cosine:    min + (base_lr - min) * (1 + cos(pi * t / T)) / 2, min =
//              cosine_min_lr; T = cosine_period (0: max_iter, t = iter) and t
//              the iterations since the last restart, each period
//              cosine_period_mult times the one before (SGDR)
// With warmup_iter = W > 0, the rate at iter < W is the policy's times
//   linear:      s + (1 - s) * iter / W
//   exponential: s ^ (1 - iter / W)        (s = warmup_start_factor)
// An unknown policy or a missing parameter it needs throws Error.
float LearningRate(const SolverParameter& param, int iter, int* current_step);

// Checks the policy name and its parameters once, before training starts;
// errors start with `source` (the solver file), or "solver" when empty.
void ValidateLearningRatePolicy(const SolverParameter& param, const std::string& source = "");

}  // namespace cnn
