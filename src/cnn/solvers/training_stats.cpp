#include "cnn/solvers/training_stats.hpp"

#include <cmath>

#include "cnn/core/stateful.hpp"

namespace cnn {

std::vector<std::pair<std::string, float>> LayerGradientNorms(const Net& net, int iter_size) {
  std::vector<std::pair<std::string, float>> norms;
  for (size_t l = 0; l < net.layers().size(); ++l) {
    const auto& blobs = net.layers()[l]->blobs();
    if (blobs.empty()) continue;
    double sumsq = 0;
    for (const auto& b : blobs) sumsq += b->sumsq_diff();
    norms.emplace_back(net.layer_names()[l], static_cast<float>(std::sqrt(sumsq) / iter_size));
  }
  return norms;
}

EpochCounter::EpochCounter(const Net& train_net, int iter_size) : iter_size_(iter_size) {
  for (const auto& layer : train_net.layers()) {
    const auto* s = dynamic_cast<const Stateful*>(layer.get());
    if (s != nullptr && s->RecordsPerForward() > 0) {
      source_ = s;
      return;
    }
  }
}

double EpochCounter::Epoch(int iter) const {
  if (source_ == nullptr) return -1;
  const uint64_t records = source_->RecordsInSource();
  if (records == 0) return -1;
  return static_cast<double>(iter) * static_cast<double>(source_->RecordsPerForward()) * iter_size_ /
         static_cast<double>(records);
}

}  // namespace cnn
