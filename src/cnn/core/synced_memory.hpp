// A buffer that lives on the host, the GPU or both, copied lazily to whichever
// side is asked for. Layers never copy by hand: asking for cpu_data() after a
// GPU kernel wrote gpu_data() brings the data back.
#pragma once

#include <cstddef>

namespace cnn {

class SyncedMemory {
 public:
  enum class Head { UNINITIALIZED, AT_CPU, AT_GPU, SYNCED };

  SyncedMemory() = default;
  explicit SyncedMemory(size_t bytes) : size_(bytes) {}
  ~SyncedMemory();
  SyncedMemory(const SyncedMemory&) = delete;
  SyncedMemory& operator=(const SyncedMemory&) = delete;

  const void* cpu_data();
  void* mutable_cpu_data();
  const void* gpu_data();
  void* mutable_gpu_data();

  // Copies the host data to the device on `stream` (a cudaStream_t) and
  // waits for that stream only, leaving the head SYNCED: the data layer's
  // prefetch thread uploads the next batch this way while the main thread
  // computes. CUDA builds only.
  void async_gpu_push(void* stream);

  Head head() const { return head_; }
  size_t size() const { return size_; }

 private:
  void to_cpu();
  void to_gpu();

  void* cpu_ptr_ = nullptr;
  void* gpu_ptr_ = nullptr;
  size_t size_ = 0;
  Head head_ = Head::UNINITIALIZED;
};

}  // namespace cnn
