#include "cnn/layers/data/dummy_data_layer.hpp"

#include "cnn/gpu/math_gpu.hpp"

namespace cnn {

// Refills the same tops as the CPU forward (every non-constant one; constant
// tops were filled once at SetUp and synced memory uploads them on first
// use). Plain gaussian and uniform fills are drawn on the device by the GPU
// generator (so their numbers differ from a CPU run's, their distribution
// does not). Every other filler - sparse gaussian, xavier, msra,
// positive_unitball, bilinear - runs its CPU code on the host copy of the
// top, which synced memory then uploads: their fan, row-normalisation and
// sparsity rules live in core/filler.cpp, and a copy of them here could
// drift; a DummyData layer refilling with those is rare and small. Parameters
// the filler would reject also take the CPU route, so its message is the one
// the user sees.
void DummyDataLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  for (size_t i = 0; i < top.size(); ++i) {
    const size_t f = fillers_.size() > 1 ? i : 0;
    if (!refill_[f]) continue;
    const FillerParameter& p = filler_params_[f];
    const int n = top[i]->count();
    if (p.type() == "gaussian" && p.sparse() == -1 && p.std() > 0) {
      if (n > 0) gpu_rng_gaussian(n, p.mean(), p.std(), top[i]->mutable_gpu_data());
    } else if (p.type() == "uniform" && p.sparse() == -1 && p.min() <= p.max()) {
      if (n > 0) gpu_rng_uniform(n, p.min(), p.max(), top[i]->mutable_gpu_data());
    } else {
      fillers_[f]->Fill(top[i]);
    }
  }
}

}  // namespace cnn
