// A caching device allocator. Freed blocks are kept and handed out again for
// requests of a similar size, so a training step does no cudaMalloc/cudaFree
// after the first iteration (those calls synchronise the whole device). When
// cudaMalloc fails the cache is released and the request retried once before
// OutOfMemory is thrown. CUDA builds only; thread-safe.
#pragma once

#include <cstddef>

namespace cnn {
namespace gpu {

// Device memory of at least `bytes` on the current device (bytes may be 0).
// Throws OutOfMemory with the request, the free memory and a hint.
void* Allocate(size_t bytes);
// Returns a block from Allocate to the cache (ptr may be null).
void Release(void* ptr);

struct MemoryStats {
  size_t in_use = 0;       // bytes handed out and not yet released
  size_t peak_in_use = 0;  // high-water mark of in_use since the last reset
  size_t reserved = 0;     // in_use plus cached free blocks (what the process holds)
  size_t peak_reserved = 0;
  size_t device_allocations = 0;  // cudaMalloc calls made so far (cache misses)
};
MemoryStats Stats();
void ResetPeakStats();
// Gives every cached free block back to the driver.
void EmptyCache();

}  // namespace gpu
}  // namespace cnn
