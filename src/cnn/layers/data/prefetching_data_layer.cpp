#include "cnn/layers/data/prefetching_data_layer.hpp"

#include "cnn/core/common.hpp"

namespace cnn {

void PrefetchingDataLayer::StartPrefetch(int depth, int blobs) {
  prefetcher_ = std::make_unique<Prefetcher>(
      depth, blobs, [this](Prefetcher::Batch* batch, const Prefetcher& self) { return LoadBatch(batch, self); },
      where());
  if (!pending_state_.empty()) {
    const std::string state = std::move(pending_state_);
    pending_state_.clear();
    ApplyState(state);
  } else {
    prefetcher_->Start();
  }
}

void PrefetchingDataLayer::RestoreState(const std::string& state) {
  CheckState(state);
  if (!prefetcher_) {
    pending_state_ = state;
    return;
  }
  ApplyState(state);
}

void PrefetchingDataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(prefetcher_, where() << "Forward before SetUp");
  prefetcher_->DeliverCpu(top, [this](const Prefetcher::Batch& batch) { Delivered(batch); });
}

#ifdef CNN_WITH_CUDA
void PrefetchingDataLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(prefetcher_, where() << "Forward before SetUp");
  prefetcher_->DeliverGpu(top, [this](const Prefetcher::Batch& batch) { Delivered(batch); });
}
#endif

}  // namespace cnn
