// Nesterov's accelerated gradient, in the form that needs no extra forward
// pass: step = (1 + m) * v_new - m * v_old.
#include <cstring>

#include "cnn/core/context.hpp"
#include "cnn/core/math.hpp"
#include "cnn/solvers/sgd_solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {
namespace {

class NesterovSolver : public SGDSolver {
 public:
  using SGDSolver::SGDSolver;
  const char* type() const override { return "Nesterov"; }

 protected:
  void ComputeUpdateValue(int id, float rate) override {
    Blob* p = net_->learnable_params()[id];
    const int n = p->count();
    const float momentum = param_.momentum();
    const float local_rate = rate * net_->params_lr()[id];
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_nesterov_update(n, p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(), momentum, local_rate);
      return;
    }
#endif
    float* v = history_[id]->mutable_cpu_data();
    float* v_old = temp_[id]->mutable_cpu_data();
    cpu_copy(n, v, v_old);
    cpu_axpby(n, local_rate, p->cpu_diff(), momentum, v);
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < n; ++i) g[i] = (1.f + momentum) * v[i] - momentum * v_old[i];
  }
};

}  // namespace

CNN_REGISTER_SOLVER(Nesterov, NesterovSolver);

}  // namespace cnn
