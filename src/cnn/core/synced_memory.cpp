#include "cnn/core/synced_memory.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cnn/core/common.hpp"
#include "cnn/core/cpu_memory_limit.hpp"

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>

#include "cnn/gpu/allocator.hpp"
#endif

namespace cnn {
namespace {

std::atomic<size_t> g_limit{0};
std::atomic<size_t> g_in_use{0};
std::atomic<size_t> g_allocations{0};

[[noreturn]] void ThrowOutOfMemory(size_t bytes, const char* why) {
  char text[300];
  std::snprintf(text, sizeof(text),
                "out of CPU memory: asked for %.1f MiB (%zu bytes)%s; try a smaller batch_size, or a larger "
                "iter_size with a proportionally smaller batch",
                bytes / 1048576.0, bytes, why);
  throw OutOfMemory(text);
}

// 64-byte alignment lets AVX-512 loads in BLAS and our loops run aligned.
// A failure is OutOfMemory with the size, which the blob and the layer that
// asked extend with their names on its way up.
void* host_alloc(size_t bytes) {
  const size_t in_use = g_in_use.fetch_add(bytes) + bytes;
  const size_t limit = g_limit.load();
  if (limit != 0 && in_use > limit) {
    g_in_use.fetch_sub(bytes);
    char why[120];
    std::snprintf(why, sizeof(why), ", past the limit of %.1f MiB this process set (%.1f MiB in use)",
                  limit / 1048576.0, (in_use - bytes) / 1048576.0);
    ThrowOutOfMemory(bytes, why);
  }
  void* p = nullptr;
  size_t rounded = (bytes + 63) / 64 * 64;
  if (posix_memalign(&p, 64, rounded == 0 ? 64 : rounded) != 0) {
    g_in_use.fetch_sub(bytes);
    ThrowOutOfMemory(bytes, "");
  }
  g_allocations.fetch_add(1);
  return p;
}

void host_free(void* p, size_t bytes) {
  if (!p) return;
  std::free(p);
  g_in_use.fetch_sub(bytes);
}

#ifdef CNN_WITH_CUDA
// Allocation failures throw OutOfMemory from the allocator; anything else
// here is a driver problem worth its own message.
void cuda_check(cudaError_t err, const char* what, size_t bytes) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  CNN_THROW("CUDA " << what << " of " << (bytes >> 20) << " MiB failed: " << cudaGetErrorString(err));
}
#endif

}  // namespace

void SetCpuMemoryLimit(size_t bytes) { g_limit.store(bytes); }
size_t CpuMemoryInUse() { return g_in_use.load(); }
size_t CpuAllocationCount() { return g_allocations.load(); }

SyncedMemory::~SyncedMemory() {
  host_free(cpu_ptr_, size_);
#ifdef CNN_WITH_CUDA
  gpu::Release(gpu_ptr_);
#endif
}

void SyncedMemory::to_cpu() {
  switch (head_) {
    case Head::UNINITIALIZED:
      cpu_ptr_ = host_alloc(size_);
      std::memset(cpu_ptr_, 0, size_);
      head_ = Head::AT_CPU;
      break;
    case Head::AT_GPU:
#ifdef CNN_WITH_CUDA
      if (!cpu_ptr_) cpu_ptr_ = host_alloc(size_);
      cuda_check(cudaMemcpy(cpu_ptr_, gpu_ptr_, size_, cudaMemcpyDeviceToHost), "copy to host", size_);
      head_ = Head::SYNCED;
#endif
      break;
    case Head::AT_CPU:
    case Head::SYNCED:
      break;
  }
}

void SyncedMemory::to_gpu() {
#ifdef CNN_WITH_CUDA
  switch (head_) {
    case Head::UNINITIALIZED:
      gpu_ptr_ = gpu::Allocate(size_);
      // Ordered on the default stream like every kernel that will use it.
      cuda_check(cudaMemsetAsync(gpu_ptr_, 0, size_, 0), "memset", size_);
      head_ = Head::AT_GPU;
      break;
    case Head::AT_CPU:
      if (!gpu_ptr_) gpu_ptr_ = gpu::Allocate(size_);
      cuda_check(cudaMemcpy(gpu_ptr_, cpu_ptr_, size_, cudaMemcpyHostToDevice), "copy to device", size_);
      head_ = Head::SYNCED;
      break;
    case Head::AT_GPU:
    case Head::SYNCED:
      break;
  }
#else
  CNN_THROW("GPU memory requested, but cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
#endif
}

void SyncedMemory::async_gpu_push(void* stream) {
#ifdef CNN_WITH_CUDA
  CNN_CHECK(head_ == Head::AT_CPU, "internal: async_gpu_push needs fresh host data");
  if (!gpu_ptr_) {
    gpu_ptr_ = gpu::Allocate(size_);
    // A cached block may have been released by work still queued on the
    // default stream; this stream is not ordered with it, so wait once.
    cuda_check(cudaDeviceSynchronize(), "synchronize before copy", size_);
  }
  auto s = static_cast<cudaStream_t>(stream);
  cuda_check(cudaMemcpyAsync(gpu_ptr_, cpu_ptr_, size_, cudaMemcpyHostToDevice, s), "copy to device", size_);
  cuda_check(cudaStreamSynchronize(s), "copy to device", size_);
  head_ = Head::SYNCED;
#else
  CNN_THROW("GPU memory requested, but cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
#endif
}

const void* SyncedMemory::cpu_data() {
  to_cpu();
  return cpu_ptr_;
}

void* SyncedMemory::mutable_cpu_data() {
  to_cpu();
  head_ = Head::AT_CPU;
  return cpu_ptr_;
}

const void* SyncedMemory::gpu_data() {
  to_gpu();
  return gpu_ptr_;
}

void* SyncedMemory::mutable_gpu_data() {
  to_gpu();
  head_ = Head::AT_GPU;
  return gpu_ptr_;
}

}  // namespace cnn
