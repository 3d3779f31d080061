#include "cnn/solvers/sgd_solver.hpp"

#include <glog/logging.h>

#include <cmath>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/math.hpp"
#include "cnn/solvers/solver_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/math_gpu.hpp"
#include "cnn/solvers/update_kernels.hpp"
#endif

namespace cnn {

SGDSolver::SGDSolver(const SolverParameter& param, const std::string& source) : Solver(param, source) {
  const std::string& reg = param_.regularization_type();
  CNN_CHECK(reg == "L1" || reg == "L2", source_ << ": unknown regularization_type \"" << reg << "\" (L1 or L2)");
  AddHistory();
  for (const Blob* p : net_->learnable_params()) temp_.push_back(std::make_shared<Blob>(p->shape()));
}

void SGDSolver::AddHistory() {
  for (const Blob* p : net_->learnable_params()) history_.push_back(std::make_shared<Blob>(p->shape()));
}

void SGDSolver::ApplyUpdate() {
  const float rate = GetLearningRate();
  if (param_.display() > 0 && iter_ % param_.display() == 0) LOG(INFO) << "Iteration " << iter_ << ", lr = " << rate;
  ClipGradients();
  for (size_t i = 0; i < net_->learnable_params().size(); ++i) {
    Normalize(static_cast<int>(i));
    Regularize(static_cast<int>(i));
    ComputeUpdateValue(static_cast<int>(i), rate);
  }
  for (Blob* p : net_->learnable_params()) p->Update();
}

void SGDSolver::ClipGradients() {
  const float threshold = param_.clip_gradients();
  if (threshold < 0) return;
  double sumsq = 0;
  for (const Blob* p : net_->learnable_params()) sumsq += p->sumsq_diff();
  const double norm = std::sqrt(sumsq);
  if (norm > threshold) {
    const float scale = static_cast<float>(threshold / norm);
    LOG(INFO) << "Gradient clipping: scaling down gradients (L2 norm " << norm << " > " << threshold
              << ") by scale factor " << scale;
    for (Blob* p : net_->learnable_params()) p->scale_diff(scale);
  }
}

void SGDSolver::Normalize(int id) {
  // Gradients of iter_size forward/backward passes were summed; average them.
  if (param_.iter_size() == 1) return;
  net_->learnable_params()[id]->scale_diff(1.f / param_.iter_size());
}

void SGDSolver::Regularize(int id) {
  Blob* p = net_->learnable_params()[id];
  const float decay = param_.weight_decay() * net_->params_weight_decay()[id];
  if (decay == 0.f) return;
#ifdef CNN_WITH_CUDA
  if (Context::mode() == Mode::GPU) {
    if (param_.regularization_type() == "L2") {
      gpu_axpy(p->count(), decay, p->gpu_data(), p->mutable_gpu_diff());
    } else {
      gpu_l1_regularize(p->count(), decay, p->gpu_data(), p->mutable_gpu_diff());
    }
    return;
  }
#endif
  if (param_.regularization_type() == "L2") {
    cpu_axpy(p->count(), decay, p->cpu_data(), p->mutable_cpu_diff());
  } else {
    const float* w = p->cpu_data();
    float* g = p->mutable_cpu_diff();
    for (int i = 0; i < p->count(); ++i) g[i] += decay * static_cast<float>((w[i] > 0) - (w[i] < 0));
  }
}

void SGDSolver::ComputeUpdateValue(int id, float rate) {
  Blob* p = net_->learnable_params()[id];
  const float local_rate = rate * net_->params_lr()[id];
  // v = momentum * v + lr * g; the step is v.
#ifdef CNN_WITH_CUDA
  if (Context::mode() == Mode::GPU) {
    gpu_sgd_update(p->count(), p->mutable_gpu_diff(), history_[id]->mutable_gpu_data(), param_.momentum(), local_rate);
    return;
  }
#endif
  cpu_axpby(p->count(), local_rate, p->cpu_diff(), param_.momentum(), history_[id]->mutable_cpu_data());
  cpu_copy(p->count(), history_[id]->cpu_data(), p->mutable_cpu_diff());
}

CNN_REGISTER_SOLVER(SGD, SGDSolver);

}  // namespace cnn
