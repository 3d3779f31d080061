// Stochastic gradient descent with momentum, and the shared update pipeline
// (gradient clipping, iter_size normalisation, L1/L2 regularisation) that
// every other solver reuses; subclasses only change ComputeUpdateValue.
#pragma once

#include "cnn/solvers/solver.hpp"

namespace cnn {

class SGDSolver : public Solver {
 public:
  SGDSolver(const SolverParameter& param, const std::string& source = "");
  const char* type() const override { return "SGD"; }

 protected:
  void ApplyUpdate() override;
  // Turns the regularised gradient in param->diff into the step to subtract.
  virtual void ComputeUpdateValue(int param_id, float rate);

  void ClipGradients();
  void Normalize(int param_id);
  // Adds the weight decay to the gradient (AdamW decays in its step instead).
  virtual void Regularize(int param_id);

  // Adds one zeroed history blob per learnable parameter (solvers that keep
  // two histories call it twice).
  void AddHistory();
  // Scratch space, one blob per parameter, not saved in snapshots.
  std::vector<BlobPtr> temp_;
};

}  // namespace cnn
