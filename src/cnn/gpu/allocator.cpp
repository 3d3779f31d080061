#include "cnn/gpu/allocator.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <unordered_map>

#include "cnn/core/common.hpp"
#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace gpu {
namespace {

// Requests are rounded so that blocks of nearly equal size are
// interchangeable: 512 bytes below 1 MiB, 128 KiB above.
size_t RoundUp(size_t bytes) {
  const size_t unit = bytes < (1u << 20) ? 512 : (128u << 10);
  return std::max<size_t>(unit, (bytes + unit - 1) / unit * unit);
}

struct Block {
  size_t bytes;
  int device;
};

class CachingAllocator {
 public:
  void* Allocate(size_t request) {
    const size_t bytes = RoundUp(request);
    int device = 0;
    CNN_CUDA_CHECK(cudaGetDevice(&device));
    std::lock_guard<std::mutex> lock(mutex_);
    // A cached block may be larger than asked; it keeps its true size so the
    // books balance when it comes back.
    size_t got = bytes;
    void* ptr = TakeCached(device, &got);
    if (!ptr) ptr = Fresh(device, bytes, request);
    live_[ptr] = Block{got, device};
    stats_.in_use += got;
    stats_.peak_in_use = std::max(stats_.peak_in_use, stats_.in_use);
    return ptr;
  }

  void Release(void* ptr) {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // not ours: a bug, but freeing it could corrupt another owner
    stats_.in_use -= it->second.bytes;
    free_[it->second.device].emplace(it->second.bytes, ptr);
    live_.erase(it);
  }

  void EmptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    EmptyCacheLocked();
  }

  MemoryStats Stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void ResetPeak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_in_use = stats_.in_use;
    stats_.peak_reserved = stats_.reserved;
  }

 private:
  // The smallest cached block that fits, if it is not more than twice the
  // request: handing a 1 GiB block to a 1 KiB request would strand it.
  void* TakeCached(int device, size_t* bytes) {
    auto& pool = free_[device];
    auto it = pool.lower_bound(*bytes);
    if (it == pool.end() || it->first > 2 * *bytes) return nullptr;
    void* ptr = it->second;
    *bytes = it->first;
    pool.erase(it);
    return ptr;
  }

  void* Fresh(int device, size_t bytes, size_t request) {
    void* ptr = nullptr;
    cudaError_t err = cudaMalloc(&ptr, bytes);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      // Cached blocks of other sizes may add up to enough.
      EmptyCacheLocked();
      err = cudaMalloc(&ptr, bytes);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      char text[256];
      std::snprintf(text, sizeof(text),
                    "out of GPU memory: asked for %.1f MiB on GPU %d with %.1f MiB free of %.1f MiB "
                    "(this process holds %.1f MiB); try a smaller batch_size, or a larger iter_size "
                    "with a proportionally smaller batch",
                    request / 1048576.0, device, free_b / 1048576.0, total_b / 1048576.0,
                    stats_.reserved / 1048576.0);
      throw OutOfMemory(text);
    }
    CNN_CUDA_CHECK(err);
    ++stats_.device_allocations;
    stats_.reserved += bytes;
    stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
    return ptr;
  }

  void EmptyCacheLocked() {
    for (auto& per_device : free_) {
      for (auto& kv : per_device.second) {
        cudaFree(kv.second);
        stats_.reserved -= kv.first;
      }
      per_device.second.clear();
    }
  }

  std::mutex mutex_;
  std::unordered_map<void*, Block> live_;
  std::map<int, std::multimap<size_t, void*>> free_;  // per device, by size
  MemoryStats stats_;
};

CachingAllocator& Instance() {
  // Never destroyed: blobs in static storage may release into it at exit.
  static CachingAllocator* a = new CachingAllocator;
  return *a;
}

}  // namespace

void* Allocate(size_t bytes) { return Instance().Allocate(bytes); }
void Release(void* ptr) { Instance().Release(ptr); }
MemoryStats Stats() { return Instance().Stats(); }
void ResetPeakStats() { Instance().ResetPeak(); }
void EmptyCache() { Instance().EmptyCache(); }

}  // namespace gpu
}  // namespace cnn
