#include "cnn/solvers/lr_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

constexpr double kPi = 3.14159265358979323846;

void ValidateWarmup(const SolverParameter& p, const std::string& solver) {
  CNN_CHECK(p.warmup_iter() >= 0, solver << ": warmup_iter must be >= 0 (0 = no warm-up; got " << p.warmup_iter()
                                         << ")");
  if (p.warmup_iter() == 0) return;
  const std::string& kind = p.warmup_policy();
  CNN_CHECK(kind == "linear" || kind == "exponential",
            solver << ": unknown warmup_policy \"" << kind << "\"; known: linear, exponential");
  const float s = p.warmup_start_factor();
  // An exponential ramp multiplies by a constant each iteration: from 0 it never leaves 0.
  const bool ok = kind == "linear" ? (s >= 0.f && s <= 1.f) : (s > 0.f && s <= 1.f);
  CNN_CHECK(ok, solver << ": warmup_start_factor must be in " << (kind == "linear" ? "[0, 1]" : "(0, 1]")
                       << " for warmup_policy \"" << kind << "\" (got " << s << ")");
}

void ValidateCosine(const SolverParameter& p, const std::string& solver) {
  CNN_CHECK(p.cosine_period() >= 0, solver << ": cosine_period must be >= 0 (0 = max_iter; got "
                                           << p.cosine_period() << ")");
  CNN_CHECK(p.cosine_period() > 0 || p.max_iter() > 0,
            solver << ": lr_policy \"cosine\" needs a positive max_iter or cosine_period");
  CNN_CHECK(p.cosine_period_mult() >= 1,
            solver << ": cosine_period_mult must be >= 1 (got " << p.cosine_period_mult() << ")");
  CNN_CHECK(std::isfinite(p.cosine_min_lr()) && p.cosine_min_lr() >= 0.f && p.cosine_min_lr() <= p.base_lr(),
            solver << ": cosine_min_lr must be in [0, base_lr = " << p.base_lr() << "] (got " << p.cosine_min_lr()
                   << ")");
}

// Half a cosine from base_lr to cosine_min_lr over the current period; the
// period and the position in it follow from iter alone.
double CosineRate(const SolverParameter& p, int iter) {
  const double base = p.base_lr(), low = p.cosine_min_lr();
  int64_t period = p.cosine_period() > 0 ? p.cosine_period() : p.max_iter();
  int64_t t = iter;
  if (p.cosine_period() == 0) {
    t = std::min(t, period);  // past max_iter (a raised max_iter on resume): stays at the bottom
  } else if (p.cosine_period_mult() == 1) {
    t %= period;
  } else {
    // Periods grow geometrically, so this loop runs a few dozen times at most.
    while (t >= period) {
      t -= period;
      period *= p.cosine_period_mult();
    }
  }
  return low + (base - low) * 0.5 * (1.0 + std::cos(kPi * static_cast<double>(t) / static_cast<double>(period)));
}

// From warmup_start_factor at iteration 0 towards 1 at warmup_iter.
double WarmupFactor(const SolverParameter& p, int iter) {
  const double s = p.warmup_start_factor();
  const double done = static_cast<double>(iter) / p.warmup_iter();
  if (p.warmup_policy() == "exponential") return std::pow(s, 1.0 - done);
  return s + (1.0 - s) * done;
}

}  // namespace

void ValidateLearningRatePolicy(const SolverParameter& p, const std::string& source) {
  const std::string& policy = p.lr_policy();
  // The file the user wrote, so a missing field is found where it belongs.
  const std::string solver = source.empty() ? std::string("solver") : source;
  CNN_CHECK(!policy.empty(),
            solver << ": lr_policy is not set (fixed, step, exp, inv, multistep, poly, sigmoid or cosine)");
  ValidateWarmup(p, solver);
  if (policy == "fixed") return;
  if (policy == "step" || policy == "sigmoid") {
    CNN_CHECK(p.has_gamma(), solver << ": lr_policy \"" << policy << "\" needs gamma");
    CNN_CHECK(p.stepsize() > 0, solver << ": lr_policy \"" << policy << "\" needs a positive stepsize");
  } else if (policy == "exp") {
    CNN_CHECK(p.has_gamma(), solver << ": lr_policy \"exp\" needs gamma");
  } else if (policy == "inv") {
    CNN_CHECK(p.has_gamma() && p.has_power(), solver << ": lr_policy \"inv\" needs gamma and power");
  } else if (policy == "multistep") {
    CNN_CHECK(p.has_gamma(), solver << ": lr_policy \"multistep\" needs gamma");
    for (int i = 1; i < p.stepvalue_size(); ++i)
      CNN_CHECK(p.stepvalue(i) > p.stepvalue(i - 1),
                solver << ": stepvalue entries must increase (" << p.stepvalue(i - 1) << " then " << p.stepvalue(i)
                       << ")");
  } else if (policy == "poly") {
    CNN_CHECK(p.has_power(), solver << ": lr_policy \"poly\" needs power");
    CNN_CHECK(p.max_iter() > 0, solver << ": lr_policy \"poly\" needs a positive max_iter");
  } else if (policy == "cosine") {
    ValidateCosine(p, solver);
  } else {
    CNN_THROW(solver << ": unknown lr_policy \"" << policy
                     << "\"; known: fixed, step, exp, inv, multistep, poly, sigmoid, cosine");
  }
}

namespace {

// The policy's own rate, before any warm-up.
float PolicyRate(const SolverParameter& p, int iter, int* current_step) {
  const std::string& policy = p.lr_policy();
  const double base = p.base_lr();
  if (policy == "fixed") return static_cast<float>(base);
  if (policy == "cosine") return static_cast<float>(CosineRate(p, iter));
  if (policy == "step") return static_cast<float>(base * std::pow(p.gamma(), iter / p.stepsize()));
  if (policy == "exp") return static_cast<float>(base * std::pow(p.gamma(), iter));
  if (policy == "inv") return static_cast<float>(base * std::pow(1.0 + p.gamma() * iter, -p.power()));
  if (policy == "multistep") {
    while (*current_step < p.stepvalue_size() && iter >= p.stepvalue(*current_step)) ++*current_step;
    return static_cast<float>(base * std::pow(p.gamma(), *current_step));
  }
  if (policy == "poly")
    return static_cast<float>(base * std::pow(1.0 - static_cast<double>(iter) / p.max_iter(), p.power()));
  if (policy == "sigmoid")
    return static_cast<float>(base / (1.0 + std::exp(-p.gamma() * (iter - static_cast<double>(p.stepsize())))));
  ValidateLearningRatePolicy(p);  // throws with the list of known policies
  return 0.f;
}

}  // namespace

float LearningRate(const SolverParameter& p, int iter, int* current_step) {
  const float rate = PolicyRate(p, iter, current_step);
  if (iter >= p.warmup_iter()) return rate;
  // The factor is a function of iter alone (no state), so a resumed run
  // gets the rates a straight one does.
  return static_cast<float>(static_cast<double>(rate) * WarmupFactor(p, iter));
}

}  // namespace cnn
