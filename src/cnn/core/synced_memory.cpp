#include "cnn/core/synced_memory.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "cnn/core/common.hpp"

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace cnn {
namespace {

// 64-byte alignment lets AVX-512 loads in BLAS and our loops run aligned.
void* host_alloc(size_t bytes) {
  void* p = nullptr;
  size_t rounded = (bytes + 63) / 64 * 64;
  if (posix_memalign(&p, 64, rounded == 0 ? 64 : rounded) != 0) throw std::bad_alloc();
  return p;
}

#ifdef CNN_WITH_CUDA
void cuda_check(cudaError_t err, const char* what, size_t bytes) {
  if (err == cudaSuccess) return;
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  CNN_THROW("CUDA " << what << " of " << (bytes >> 20) << " MiB failed: " << cudaGetErrorString(err)
                    << " (" << (free_b >> 20) << " MiB free); try a smaller batch or iter_size");
}
#endif

}  // namespace

SyncedMemory::~SyncedMemory() {
  std::free(cpu_ptr_);
#ifdef CNN_WITH_CUDA
  if (gpu_ptr_) cudaFree(gpu_ptr_);
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
      cuda_check(cudaMalloc(&gpu_ptr_, size_ == 0 ? 1 : size_), "allocation", size_);
      cuda_check(cudaMemset(gpu_ptr_, 0, size_), "memset", size_);
      head_ = Head::AT_GPU;
      break;
    case Head::AT_CPU:
      if (!gpu_ptr_) cuda_check(cudaMalloc(&gpu_ptr_, size_ == 0 ? 1 : size_), "allocation", size_);
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
