// AdamW: Adam's moments with the weight decay decoupled from the gradient
// (adamw_step.hpp). Adam with weight_decay adds decay * w to the gradient,
// which the second moment then scales down for the weights that move most;
// here every weight shrinks by rate * decay * w whatever its gradient's size.
// A solver type of its own ("AdamW", PyTorch's name) rather than a flag on
// Adam: `type` names the update rule, and this is another rule.
#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/solvers/adamw_step.hpp"
#include "cnn/solvers/sgd_solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {
namespace {

class AdamWSolver : public SGDSolver {
 public:
  AdamWSolver(const SolverParameter& param, const std::string& source) : SGDSolver(param, source) {
    // Decoupled L1 has no accepted definition; refuse rather than guess.
    CNN_CHECK(param_.regularization_type() == "L2",
              source_ << ": solver type AdamW decays weights proportionally (L2); regularization_type \""
                      << param_.regularization_type() << "\" is not supported (use L2, or Adam for L1)");
    AddHistory();  // history_[n + i]: second moment
  }
  const char* type() const override { return "AdamW"; }

 protected:
  // The decay is part of the step (ComputeUpdateValue), not of the gradient.
  void Regularize(int) override {}

  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const size_t n_params = net_->learnable_params().size();
    const float local_rate = rate * net_->params_lr()[id];
    const float decay = param_.weight_decay() * net_->params_weight_decay()[id];
    const float beta1 = param_.momentum();
    const float beta2 = param_.momentum2();
    const float eps = param_.delta();
    const int t = iter_ + 1;
    const float correction =
        static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
    const float rate_correction = local_rate * correction;
    const float rate_decay = local_rate * decay;
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_adamw_update(p->count(), p->gpu_data(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(),
                       history_[id + n_params]->mutable_gpu_data(), beta1, beta2, eps, rate_correction, rate_decay);
      return;
    }
#endif
    const float* w = p->cpu_data();
    float* m = history_[id]->mutable_cpu_data();
    float* v = history_[id + n_params]->mutable_cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i)
      g[i] = AdamWStep(g[i], w[i], &m[i], &v[i], beta1, beta2, eps, rate_correction, rate_decay);
  }
};

}  // namespace

CNN_REGISTER_SOLVER(AdamW, AdamWSolver);

}  // namespace cnn
