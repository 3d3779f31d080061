#include "cnn/data/prefetcher.hpp"

#include <algorithm>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/device_context.hpp"
#include "cnn/gpu/math_gpu.hpp"
#endif

namespace cnn {
namespace {

#ifdef CNN_WITH_CUDA
// The prefetch thread's upload stream. Non-blocking: it must not wait for
// the compute queued on the legacy default stream, or the copy would not overlap.
class UploadStream {
 public:
  UploadStream() = default;
  UploadStream(const UploadStream&) = delete;
  UploadStream& operator=(const UploadStream&) = delete;
  ~UploadStream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  // Created on first use, on the device the prefetcher was made on.
  void* get(int device) {
    if (!stream_) {
      gpu::SetDevice(device);
      CNN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    }
    return stream_;
  }

 private:
  cudaStream_t stream_ = nullptr;
};

std::shared_ptr<void> NewEvent() {
  cudaEvent_t event = nullptr;
  CNN_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return std::shared_ptr<void>(event, [](void* e) { cudaEventDestroy(static_cast<cudaEvent_t>(e)); });
}
#endif

}  // namespace

Prefetcher::Prefetcher(int depth, int blobs, FillFn fill, std::string where)
    : fill_(std::move(fill)), where_(std::move(where)) {
  CNN_CHECK(depth > 0 && blobs > 0, where_ << "a prefetcher needs at least one batch of one blob");
  for (int i = 0; i < depth; ++i) {
    auto batch = std::make_unique<Batch>();
    batch->slot = static_cast<size_t>(i);
    for (int b = 0; b < blobs; ++b) batch->blobs.push_back(std::make_unique<Blob>());
    batches_.push_back(std::move(batch));
  }
#ifdef CNN_WITH_CUDA
  gpu_mode_ = Context::mode() == Mode::GPU;
  // Where this thread's compute runs, hence where the batches must go.
  device_ = gpu_mode_ ? gpu::CurrentDevice() : 0;
#endif
}

Prefetcher::~Prefetcher() { Stop(); }

void Prefetcher::Start() {
  Stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    thread_done_ = false;
    free_.clear();
    full_.clear();
    for (auto& batch : batches_) {
      batch->error = nullptr;
      free_.push_back(batch.get());
    }
  }
  failure_ = nullptr;
  stop_requested_ = false;
  thread_ = std::thread(&Prefetcher::Loop, this);
}

void Prefetcher::Stop() {
  if (!thread_.joinable()) return;
  stop_requested_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  free_cv_.notify_all();
  thread_.join();
}

// False when told to stop half-way.
bool Prefetcher::FillOne(Batch* batch, void* stream) {
#ifdef CNN_WITH_CUDA
  if (gpu_mode_) {
    // Forward's device-to-device copy of this batch's previous contents
    // must be done before they change (and before a Reshape may free them).
    if (batch->consumed) CNN_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(batch->consumed.get())));
    if (!fill_(batch, *this)) return false;
    for (auto& blob : batch->blobs) {
      if (blob->count() > 0) blob->data()->async_gpu_push(stream);
    }
    return true;
  }
#endif
  return fill_(batch, *this);
}

void Prefetcher::Loop() {
  void* stream = nullptr;
#ifdef CNN_WITH_CUDA
  UploadStream upload;
#endif
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      free_cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
      if (stop_) break;
      batch = free_.front();
      free_.pop_front();
    }
    bool failed = false;
    bool complete = true;
    try {
#ifdef CNN_WITH_CUDA
      if (gpu_mode_) stream = upload.get(device_);
#endif
      complete = FillOne(batch, stream);
    } catch (...) {
      // Handed to Forward, which raises it in the consumer's thread.
      batch->error = std::current_exception();
      failed = true;
    }
    if (!complete) {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_front(batch);
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      full_.push_back(batch);
    }
    full_cv_.notify_one();
    if (failed) break;  // the reader is in an unknown place: read nothing more
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    thread_done_ = true;
  }
  full_cv_.notify_all();
}

void Prefetcher::CheckTops(const BlobVec& top, const Batch& batch) const {
  CNN_CHECK(top.size() <= batch.blobs.size(),
            where_ << top.size() << " tops asked of batches of " << batch.blobs.size() << " blobs");
}

Prefetcher::Batch* Prefetcher::Take() {
  if (failure_) std::rethrow_exception(failure_);
  Batch* batch = nullptr;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    full_cv_.wait(lock, [this] { return !full_.empty() || thread_done_ || !thread_.joinable(); });
    CNN_CHECK(!full_.empty(), where_ << "the prefetch thread stopped without delivering a batch");
    batch = full_.front();
    full_.pop_front();
  }
  if (batch->error) {
    // Kept so every later Forward reports it too (the thread has stopped).
    failure_ = batch->error;
    std::rethrow_exception(failure_);
  }
  return batch;
}

void Prefetcher::Give(Batch* batch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(batch);
  }
  free_cv_.notify_one();
}

void Prefetcher::DeliverCpu(const BlobVec& top, const std::function<void(const Batch&)>& delivered) {
  Batch* batch = Take();
  CheckTops(top, *batch);
  for (size_t i = 0; i < top.size(); ++i) {
    const Blob& blob = *batch->blobs[i];
    top[i]->ReshapeLike(blob);
    std::copy_n(blob.cpu_data(), blob.count(), top[i]->mutable_cpu_data());
  }
  delivered(*batch);
  Give(batch);
}

#ifdef CNN_WITH_CUDA
// The thread has normally uploaded the batch already (head SYNCED, so
// gpu_data() copies nothing).
void Prefetcher::DeliverGpu(const BlobVec& top, const std::function<void(const Batch&)>& delivered) {
  Batch* batch = Take();
  CheckTops(top, *batch);
  for (size_t i = 0; i < top.size(); ++i) {
    const Blob& blob = *batch->blobs[i];
    top[i]->ReshapeLike(blob);
    gpu_copy(blob.count(), blob.gpu_data(), top[i]->mutable_gpu_data());
  }
  // The copies above are only queued; the thread waits for this event
  // before it overwrites the batch.
  if (!batch->consumed) batch->consumed = NewEvent();
  CNN_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(batch->consumed.get()), 0));
  delivered(*batch);
  Give(batch);
}
#endif

}  // namespace cnn
