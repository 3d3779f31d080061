#include "cnn/core/synced_memory.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

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
  host_free(prv_ptr_, prv_bytes_);
  host_free(spare_ptr_, spare_bytes_);
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
    case Head::AT_PRV:
      if (!cpu_ptr_) cpu_ptr_ = host_alloc(size_);
      prv_layout_->ToPlain(prv_ptr_, cpu_ptr_);
      head_ = Head::AT_CPU;  // prv_current_ stays: both sides agree
      break;
    case Head::AT_CPU:
    case Head::SYNCED:
      break;
  }
}

void SyncedMemory::to_gpu() {
#ifdef CNN_WITH_CUDA
  if (head_ == Head::AT_PRV) to_cpu();
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
    case Head::AT_PRV:
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
  prv_current_ = false;
  return cpu_ptr_;
}

const void* SyncedMemory::gpu_data() {
  to_gpu();
  return gpu_ptr_;
}

void* SyncedMemory::mutable_gpu_data() {
  to_gpu();
  head_ = Head::AT_GPU;
  prv_current_ = false;
  return gpu_ptr_;
}

const void* SyncedMemory::prv_data(const PrivateLayout& layout) const {
  return prv_current_ && layout.Same(*prv_layout_) ? prv_ptr_ : nullptr;
}

const void* SyncedMemory::prv_data_in(std::shared_ptr<const PrivateLayout> layout) {
  if (const void* p = prv_data(*layout)) return p;
  if (head_ == Head::AT_PRV && layout->ConvertsFrom(*prv_layout_)) {
    // The plain buffer is stale: converting through it would be two passes.
    if (!spare_ptr_ || spare_bytes_ < layout->bytes()) {
      host_free(spare_ptr_, spare_bytes_);
      spare_ptr_ = nullptr;
      spare_bytes_ = 0;
      spare_ptr_ = host_alloc(layout->bytes());
      spare_bytes_ = layout->bytes();
    }
    layout->ConvertFrom(*prv_layout_, prv_ptr_, spare_ptr_);
    std::swap(prv_ptr_, spare_ptr_);
    std::swap(prv_bytes_, spare_bytes_);
    prv_layout_ = std::move(layout);
    return prv_ptr_;
  }
  const void* plain = cpu_data();
  const Head before = head_;
  void* prv = mutable_prv_data(std::move(layout));
  prv_layout_->FromPlain(plain, prv);
  head_ = before;  // the plain values are as current as the private ones
  return prv;
}

void* SyncedMemory::mutable_prv_data(std::shared_ptr<const PrivateLayout> layout) {
  CNN_CHECK(layout->plain_bytes() <= size_, "internal: a private layout of " << layout->plain_bytes()
                                                << " plain bytes for a memory of " << size_);
  // A GPU head would leave its values behind unseen; the CPU layers that
  // ask for the private side run on host data.
  if (head_ == Head::AT_GPU) to_cpu();
  if (!prv_layout_ || !layout->Same(*prv_layout_)) {
    // A blob that alternates between two layouts (written in one, converted
    // to the other by its reader) keeps both buffers instead of allocating:
    // it writes into the smaller one that fits, leaving the larger spare.
    const bool spare_fits = spare_ptr_ && spare_bytes_ >= layout->bytes();
    if (spare_fits && (layout->bytes() > prv_bytes_ || spare_bytes_ < prv_bytes_)) {
      std::swap(prv_ptr_, spare_ptr_);
      std::swap(prv_bytes_, spare_bytes_);
    }
    if (!prv_ptr_ || layout->bytes() > prv_bytes_) {
      host_free(prv_ptr_, prv_bytes_);
      prv_ptr_ = nullptr;
      prv_bytes_ = 0;
      prv_ptr_ = host_alloc(layout->bytes());
      prv_bytes_ = layout->bytes();
    }
    prv_layout_ = std::move(layout);
  }
  head_ = Head::AT_PRV;
  prv_current_ = true;
  return prv_ptr_;
}

void SyncedMemory::drop_prv() {
  if (head_ == Head::AT_PRV) to_cpu();
  host_free(prv_ptr_, prv_bytes_);
  host_free(spare_ptr_, spare_bytes_);
  prv_ptr_ = spare_ptr_ = nullptr;
  prv_bytes_ = spare_bytes_ = 0;
  prv_layout_.reset();
  prv_current_ = false;
}

}  // namespace cnn
