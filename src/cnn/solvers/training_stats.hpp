// Figures the solver reports beside the loss: per-layer gradient norms
// (SolverParameter.log_grad_norms) and the epoch reached.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cnn/net/net.hpp"

namespace cnn {

class Stateful;

// The L2 norm of each layer's parameter gradients taken together (layers
// without parameters left out), averaged over iter_size as the update sees
// them, before clipping and weight decay. A blob shared by several layers
// counts in each of them.
std::vector<std::pair<std::string, float>> LayerGradientNorms(const Net& net, int iter_size);

// Epochs from iterations: the train net's first data layer that knows how
// many records its source holds (Stateful::RecordsInSource) and how many a
// forward pass takes.
class EpochCounter {
 public:
  EpochCounter(const Net& train_net, int iter_size);
  // iter * batch * iter_size / records, or a negative number when no data
  // layer knows its source's size.
  double Epoch(int iter) const;

 private:
  const Stateful* source_ = nullptr;
  int iter_size_ = 1;
};

}  // namespace cnn
