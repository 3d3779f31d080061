// Scratch memory that CPU layers borrow for the length of one pass: the
// im2col column matrices of Convolution and Deconvolution and their product
// buffers. The layers of a net run one at a time on a thread, so one buffer
// per thread, as large as the largest request, serves them all instead of
// one per layer (VGG-16's column buffers alone came to ~400 MiB as each
// layer's own). Layers know nothing of nets: they ask at run time, and may
// reserve their size in Reshape so that the passes themselves allocate
// nothing. The buffer is a SyncedMemory, so CpuMemoryInUse() and the memory
// limit see it; it only grows, and lives until its thread ends.
#pragma once

#include <cstddef>
#include <memory>

namespace cnn {

class SyncedMemory;

class CpuWorkspace {
 public:
  // The calling thread's workspace.
  static CpuWorkspace& ThisThread();

  // Grows the buffer to at least `floats` floats now.
  void Reserve(size_t floats);
  // At least `floats` floats, contents undefined; valid until the next
  // Reserve or Get on this thread that grows the buffer, so a pass takes all
  // it needs with one call and calls no other layer meanwhile.
  float* Get(size_t floats);
  size_t capacity_floats() const { return capacity_; }

  CpuWorkspace();
  ~CpuWorkspace();
  CpuWorkspace(const CpuWorkspace&) = delete;
  CpuWorkspace& operator=(const CpuWorkspace&) = delete;

 private:
  std::unique_ptr<SyncedMemory> memory_;
  size_t capacity_ = 0;
};

// Floats to request for consecutive regions of `a` and then `b` floats, the
// second starting 64-byte aligned at SecondRegion(base, a).
inline size_t TwoRegions(size_t a, size_t b) { return (a + 15) / 16 * 16 + b; }
inline float* SecondRegion(float* base, size_t a) { return base + (a + 15) / 16 * 16; }

}  // namespace cnn
