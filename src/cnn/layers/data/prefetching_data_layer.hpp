// What the data layers that read through a Prefetcher (cnn/data/
// prefetcher.hpp) share: Forward hands the next prefetched batch to the tops
// (device to device in GPU mode), Backward does nothing, and a state
// restored before SetUp waits until SetUp has opened the source.
//
// A derived layer reads its parameters and source in LayerSetUp, calls
// StopPrefetch() first and StartPrefetch() last, and supplies the batch
// filling (LoadBatch, on the prefetch thread), what a delivered batch means
// for its saved state (Delivered), and its state's checking and applying.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/data/prefetcher.hpp"

namespace cnn {

class PrefetchingDataLayer : public Layer, public Stateful {
 public:
  explicit PrefetchingDataLayer(const LayerParameter& param) : Layer(param) {}

  // Each Forward shapes the tops from its batch.
  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}
  int ExactNumBottomBlobs() const override { return 0; }

  // Checks the state now; applies it now, or at the end of SetUp.
  void RestoreState(const std::string& state) final;

 protected:
  // `depth` batches of `blobs` blobs; starts reading at the restored state
  // when one came before SetUp.
  void StartPrefetch(int depth, int blobs);
  // Ends the thread. Derived destructors call it: the thread reads their
  // members, which are gone by the time this class's destructor runs.
  void StopPrefetch() { prefetcher_.reset(); }
  Prefetcher& prefetcher() { return *prefetcher_; }

  virtual bool LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) = 0;
  // On Forward's thread, before the batch goes back to be refilled.
  virtual void Delivered(const Prefetcher::Batch& batch) = 0;
  // Throws Error when `state` is not one of this layer's.
  virtual void CheckState(const std::string& state) const = 0;
  // Stops the prefetcher, puts the reader where `state` says, starts it again.
  virtual void ApplyState(const std::string& state) = 0;

  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif

 private:
  std::string pending_state_;  // a RestoreState that came before SetUp
  std::unique_ptr<Prefetcher> prefetcher_;
};

}  // namespace cnn
