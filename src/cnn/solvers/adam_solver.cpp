// Adam: bias-corrected running means of the gradient (momentum) and of its
// square (momentum2); two histories per weight.
#include <cmath>

#include "cnn/core/context.hpp"
#include "cnn/solvers/sgd_solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {
namespace {

class AdamSolver : public SGDSolver {
 public:
  AdamSolver(const SolverParameter& param, const std::string& source) : SGDSolver(param, source) {
    AddHistory();  // history_[n + i]: second moment
  }
  const char* type() const override { return "Adam"; }

 protected:
  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const size_t n_params = net_->learnable_params().size();
    const float local_rate = rate * net_->params_lr()[id];
    const float beta1 = param_.momentum();
    const float beta2 = param_.momentum2();
    const float eps = param_.delta();
    const int t = iter_ + 1;
    const float correction =
        static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      // local_rate * correction is the CPU loop's first product, rounded the same way.
      gpu_adam_update(p->count(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(),
                      history_[id + n_params]->mutable_gpu_data(), beta1, beta2, eps, local_rate * correction);
      return;
    }
#endif
    float* m = history_[id]->mutable_cpu_data();
    float* v = history_[id + n_params]->mutable_cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) {
      m[i] = beta1 * m[i] + (1.f - beta1) * g[i];
      v[i] = beta2 * v[i] + (1.f - beta2) * g[i] * g[i];
      g[i] = local_rate * correction * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
};

}  // namespace

CNN_REGISTER_SOLVER(Adam, AdamSolver);

}  // namespace cnn
