#include "cnn/solvers/solver_param_check.hpp"

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/solvers/solver_registry.hpp"

namespace cnn {
namespace {

// "solver.prototxt: " or "solver: " for a parameter built in memory.
std::string Prefix(const std::string& source) { return (source.empty() ? std::string("solver") : source) + ": "; }

void CheckFinite(const std::string& source, const char* field, double value) {
  CNN_CHECK(std::isfinite(value), Prefix(source) << field << " must be a finite number (got " << value << ")");
}

// A decay rate: 1 would never forget (and a history that never decays
// diverges), a negative one alternates sign.
void CheckRate(const std::string& source, const char* field, float value) {
  CNN_CHECK(value >= 0.f && value < 1.f, Prefix(source) << field << " must be in [0, 1) (got " << value << ")");
}

}  // namespace

void CheckSolverNumbers(const SolverParameter& p, const std::string& source) {
  const std::string type = SolverRegistry::TypeOf(p);
  CheckFinite(source, "base_lr", p.base_lr());
  CNN_CHECK(p.base_lr() >= 0.f, Prefix(source) << "base_lr must be >= 0 (got " << p.base_lr() << ")");
  CNN_CHECK(p.max_iter() > 0, Prefix(source) << "max_iter must be positive (got " << p.max_iter()
                                             << "); to score a model without training, use `cnn test`");
  CheckFinite(source, "weight_decay", p.weight_decay());
  CNN_CHECK(p.weight_decay() >= 0.f, Prefix(source) << "weight_decay must be >= 0 (got " << p.weight_decay() << ")");
  CheckFinite(source, "gamma", p.gamma());
  CheckFinite(source, "power", p.power());
  CheckFinite(source, "clip_gradients", p.clip_gradients());
  CNN_CHECK(p.snapshot() >= 0, Prefix(source) << "snapshot must be >= 0 (0 = off; got " << p.snapshot() << ")");
  CNN_CHECK(p.display() >= 0, Prefix(source) << "display must be >= 0 (0 = off; got " << p.display() << ")");
  CNN_CHECK(p.test_interval() >= 0,
            Prefix(source) << "test_interval must be >= 0 (0 = off; got " << p.test_interval() << ")");
  CNN_CHECK(p.stepsize() >= 0, Prefix(source) << "stepsize must be >= 0 (got " << p.stepsize() << ")");
  for (int v : p.stepvalue()) {
    CNN_CHECK(v >= 0, Prefix(source) << "stepvalue must be >= 0 (got " << v << ")");
  }
  if (type == "SGD" || type == "Nesterov" || type == "AdaDelta" || type == "Adam" || type == "AdamW") {
    CheckRate(source, "momentum", p.momentum());
  }
  if (type == "Adam" || type == "AdamW") CheckRate(source, "momentum2", p.momentum2());
  if (type == "RMSProp") CheckRate(source, "rms_decay", p.rms_decay());
  if (type == "AdaGrad" || type == "RMSProp" || type == "AdaDelta" || type == "Adam" ||
      type == "AdamW") {
    // delta keeps the adaptive step's denominator away from zero.
    CNN_CHECK(std::isfinite(p.delta()) && p.delta() > 0.f,
              Prefix(source) << "delta must be a positive number for " << type << " (got " << p.delta() << ")");
  }
}

}  // namespace cnn
