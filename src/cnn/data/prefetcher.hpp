// The concurrency every data layer shares: a background thread that fills
// batches ahead of Forward, and Forward's side that hands them over.
//
// Batches cycle free -> (the thread fills) -> full -> (Forward copies them
// into the tops) -> free. The layer supplies only the filling: a function,
// called on the prefetch thread, that reads its records into a batch's
// blobs (one blob per top).
//
// An Error thrown while filling travels with its batch and is raised by the
// Forward that would have delivered it, on the consumer's thread, with its
// message unchanged; the thread then reads nothing more, and every later
// Forward raises the same error instead of waiting.
//
// In GPU mode (the mode of the thread that constructs the prefetcher) the
// thread also uploads each filled batch to the device on a stream of its
// own, so the copy overlaps the net's compute, and DeliverGpu then only
// copies device to device; the thread waits for an event recorded after
// that copy before it overwrites the batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/layer.hpp"

namespace cnn {

class Prefetcher {
 public:
  struct Batch {
    std::vector<std::unique_ptr<Blob>> blobs;  // blob i goes to top i
    // Which of the prefetcher's batches this is (0 .. depth-1), so a layer
    // can keep per-batch data of its own (the reader's position after it).
    size_t slot = 0;

   private:
    friend class Prefetcher;
    std::exception_ptr error;
    // GPU mode: a cudaEvent_t recorded on the compute stream after Forward
    // copied the batch out.
    std::shared_ptr<void> consumed;
  };

  // Fills `batch` from the layer's reader (reshaping its blobs as it needs);
  // returns false when it saw self.stopping() half-way. Throws Error for a
  // bad record. (The prefetcher comes as an argument because a layer's
  // pointer to it is already null while its destructor stops the thread.)
  using FillFn = std::function<bool(Batch* batch, const Prefetcher& self)>;

  // `depth` batches of `blobs` blobs each. `where` starts the prefetcher's
  // own messages ("layer 'mnist' (Data): "). Starts nothing.
  Prefetcher(int depth, int blobs, FillFn fill, std::string where);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Starts the thread with every batch free and no error pending. While it
  // runs it alone may touch what `fill` reads.
  void Start();
  // Stops the thread (promptly, also half-way through a batch) and waits for
  // it. Batches already filled are dropped by the next Start.
  void Stop();
  // For `fill`: true once Stop was called.
  bool stopping() const { return stop_requested_.load(std::memory_order_relaxed); }

  // Makes every Forward raise `error` until the next Start (a restore that
  // failed: batches read before it must not be delivered after it).
  void Fail(std::exception_ptr error) { failure_ = std::move(error); }

  // Forward's side: waits for the next batch (raising its error if it has
  // one), copies its blobs into the first top.size() blobs' places (host
  // to host), calls delivered(batch) while it is still untouched, and hands
  // the batch back to the thread.
  void DeliverCpu(const BlobVec& top, const std::function<void(const Batch&)>& delivered);
#ifdef CNN_WITH_CUDA
  // The same, copying device to device (a batch the thread did not upload,
  // because the prefetcher was made in CPU mode, is uploaded here).
  void DeliverGpu(const BlobVec& top, const std::function<void(const Batch&)>& delivered);
#endif

 private:
  void Loop();
  bool FillOne(Batch* batch, void* stream);
  Batch* Take();
  void CheckTops(const BlobVec& top, const Batch& batch) const;
  void Give(Batch* batch);

  FillFn fill_;
  std::string where_;
  std::vector<std::unique_ptr<Batch>> batches_;
#ifdef CNN_WITH_CUDA
  // Captured at construction: the thread has its own (CPU) mode and device.
  bool gpu_mode_ = false;
  int device_ = 0;
#endif
  std::exception_ptr failure_;  // an error already reported; raised again

  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::condition_variable full_cv_;
  std::deque<Batch*> free_;
  std::deque<Batch*> full_;
  bool stop_ = false;         // guarded by mutex_
  bool thread_done_ = false;  // guarded by mutex_; the thread returned
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace cnn
