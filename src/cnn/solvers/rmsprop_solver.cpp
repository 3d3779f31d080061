// RMSProp: like AdaGrad, but the squared-gradient history decays (rms_decay),
// so old gradients stop shrinking the rate.
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

class RMSPropSolver : public SGDSolver {
 public:
  RMSPropSolver(const SolverParameter& param, const std::string& source) : SGDSolver(param, source) {
    CNN_CHECK(param_.momentum() == 0.f, source_ << ": momentum cannot be used with RMSProp (set momentum: 0)");
    CNN_CHECK(param_.rms_decay() >= 0 && param_.rms_decay() < 1,
              source_ << ": rms_decay " << param_.rms_decay() << " must lie in [0, 1)");
  }
  const char* type() const override { return "RMSProp"; }

 protected:
  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const float local_rate = rate * net_->params_lr()[id];
    const float decay = param_.rms_decay();
    const float delta = param_.delta();
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_rmsprop_update(p->count(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(), decay, delta,
                         local_rate);
      return;
    }
#endif
    float* h = history_[id]->mutable_cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) {
      h[i] = decay * h[i] + (1.f - decay) * g[i] * g[i];
      g[i] = local_rate * g[i] / (std::sqrt(h[i]) + delta);
    }
  }
};

}  // namespace

CNN_REGISTER_SOLVER(RMSProp, RMSPropSolver);

}  // namespace cnn
