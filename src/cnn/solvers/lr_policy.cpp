#include "cnn/solvers/lr_policy.hpp"

#include <cmath>

#include "cnn/core/common.hpp"

namespace cnn {

void ValidateLearningRatePolicy(const SolverParameter& p, const std::string& source) {
  const std::string& policy = p.lr_policy();
  // The file the user wrote, so a missing field is found where it belongs.
  const std::string solver = source.empty() ? std::string("solver") : source;
  CNN_CHECK(!policy.empty(), solver << ": lr_policy is not set (fixed, step, exp, inv, multistep, poly or sigmoid)");
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
  } else {
    CNN_THROW(solver << ": unknown lr_policy \"" << policy
                                             << "\"; known: fixed, step, exp, inv, multistep, poly, sigmoid");
  }
}

float LearningRate(const SolverParameter& p, int iter, int* current_step) {
  const std::string& policy = p.lr_policy();
  const double base = p.base_lr();
  if (policy == "fixed") return static_cast<float>(base);
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

}  // namespace cnn
