// AdaGrad: per-weight rates shrink with the sum of all past squared gradients.
#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/solvers/sgd_solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {
namespace {

class AdaGradSolver : public SGDSolver {
 public:
  AdaGradSolver(const SolverParameter& param, const std::string& source) : SGDSolver(param, source) {
    CNN_CHECK(param_.momentum() == 0.f, source_ << ": momentum cannot be used with AdaGrad (set momentum: 0)");
  }
  const char* type() const override { return "AdaGrad"; }

 protected:
  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const float local_rate = rate * net_->params_lr()[id];
    const float delta = param_.delta();
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_adagrad_update(p->count(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(), delta, local_rate);
      return;
    }
#endif
    float* h = history_[id]->mutable_cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) {
      h[i] += g[i] * g[i];
      g[i] = local_rate * g[i] / (std::sqrt(h[i]) + delta);
    }
  }
};

}  // namespace

CNN_REGISTER_SOLVER(AdaGrad, AdaGradSolver);

}  // namespace cnn
