// AdaDelta: steps scaled by the ratio of running RMS of past steps to running
// RMS of gradients; keeps two histories per weight (gradients, then steps).
#include <cmath>

#include "cnn/core/context.hpp"
#include "cnn/solvers/sgd_solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {
namespace {

class AdaDeltaSolver : public SGDSolver {
 public:
  AdaDeltaSolver(const SolverParameter& param, const std::string& source) : SGDSolver(param, source) {
    AddHistory();  // history_[n + i]: running mean of squared steps
  }
  const char* type() const override { return "AdaDelta"; }

 protected:
  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const size_t n_params = net_->learnable_params().size();
    const float local_rate = rate * net_->params_lr()[id];
    const float m = param_.momentum();
    const float delta = param_.delta();
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_adadelta_update(p->count(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(),
                          history_[id + n_params]->mutable_gpu_data(), m, delta, local_rate);
      return;
    }
#endif
    float* g2 = history_[id]->mutable_cpu_data();
    float* s2 = history_[id + n_params]->mutable_cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) {
      g2[i] = m * g2[i] + (1.f - m) * g[i] * g[i];
      const float step = g[i] * std::sqrt((s2[i] + delta) / (g2[i] + delta));
      s2[i] = m * s2[i] + (1.f - m) * step * step;
      g[i] = local_rate * step;
    }
  }
};

}  // namespace

CNN_REGISTER_SOLVER(AdaDelta, AdaDeltaSolver);

}  // namespace cnn
