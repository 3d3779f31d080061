// A buffer that lives on the host, the GPU or both, copied lazily to whichever
// side is asked for. Layers never copy by hand: asking for cpu_data() after a
// GPU kernel wrote gpu_data() brings the data back.
//
// A third, private side holds the values in an engine's own layout (a
// PrivateLayout): head AT_PRV means only it is current, and cpu_data(),
// gpu_data() and their mutable forms first convert it to the plain buffer,
// so whoever does not know the layout sees plain values as always.
#pragma once

#include <cstddef>
#include <memory>

#include "cnn/core/private_layout.hpp"

namespace cnn {

class SyncedMemory {
 public:
  enum class Head { UNINITIALIZED, AT_CPU, AT_GPU, SYNCED, AT_PRV };

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

  // The private buffer when it holds the current values in a layout Same
  // as `layout` (head AT_PRV, or a private copy of the plain values not
  // written since); null otherwise.
  const void* prv_data(const PrivateLayout& layout) const;
  // The layout of the current private values, or null.
  const PrivateLayout* prv_layout() const { return prv_current_ ? prv_layout_.get() : nullptr; }
  std::shared_ptr<const PrivateLayout> shared_prv_layout() const { return prv_current_ ? prv_layout_ : nullptr; }
  // Converts the current values into `layout` on the private side: later
  // readers in that layout convert nothing. From the plain values, which
  // stay current too; or, where only another private layout holds them and
  // `layout` converts from it (PrivateLayout::ConvertFrom), straight from
  // those, which it replaces (the old buffer is kept for the next time).
  const void* prv_data_in(std::shared_ptr<const PrivateLayout> layout);
  // The private buffer in `layout` for writing every value (or, in the
  // layout it has, reading and writing them in place): head becomes AT_PRV.
  void* mutable_prv_data(std::shared_ptr<const PrivateLayout> layout);
  // Makes the plain buffer current and frees the private one.
  void drop_prv();

  Head head() const { return head_; }
  size_t size() const { return size_; }

 private:
  void to_cpu();
  void to_gpu();

  void* cpu_ptr_ = nullptr;
  void* gpu_ptr_ = nullptr;
  void* prv_ptr_ = nullptr;
  size_t prv_bytes_ = 0;
  void* spare_ptr_ = nullptr;  // the buffer a direct conversion wrote from
  size_t spare_bytes_ = 0;
  std::shared_ptr<const PrivateLayout> prv_layout_;
  bool prv_current_ = false;  // prv_ptr_ holds the current values
  size_t size_ = 0;
  Head head_ = Head::UNINITIALIZED;
};

}  // namespace cnn
