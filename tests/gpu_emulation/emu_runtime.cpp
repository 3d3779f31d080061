// The CUDA runtime calls of the emulated device: one device (the H200 that
// scripts/gpu/run.sh targets, in name only), synchronous streams and events,
// and copies that check their pointers against the direction they name.
#include <cstdio>
#include <cstring>

#include "cuda_runtime.h"
#include "emu_memory.hpp"
#include "emu_runtime.hpp"

namespace cnn_emu {
namespace {
thread_local cudaError_t last_error = cudaSuccess;

cudaError_t Fail(cudaError_t err) {
  last_error = err;
  return err;
}

// A copy whose pointers contradict its kind fails, as cudaMemcpy does on a
// GPU with pointers it can classify.
bool KindMatches(const void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  const bool dst_dev = IsDeviceRange(dst, bytes), src_dev = IsDeviceRange(src, bytes);
  const bool dst_any_dev = IsDevicePointer(dst), src_any_dev = IsDevicePointer(src);
  switch (kind) {
    case cudaMemcpyHostToHost: return !dst_any_dev && !src_any_dev;
    case cudaMemcpyHostToDevice: return dst_dev && !src_any_dev;
    case cudaMemcpyDeviceToHost: return !dst_any_dev && src_dev;
    case cudaMemcpyDeviceToDevice: return dst_dev && src_dev;
    case cudaMemcpyDefault: return (dst_dev || !dst_any_dev) && (src_dev || !src_any_dev);
  }
  return false;
}
}  // namespace

void SetLaunchError(cudaError_t err) { last_error = err; }
}  // namespace cnn_emu

using cnn_emu::Fail;

cudaError_t cudaGetLastError() {
  const cudaError_t err = cnn_emu::last_error;
  cnn_emu::last_error = cudaSuccess;
  return err;
}
cudaError_t cudaPeekAtLastError() { return cnn_emu::last_error; }

const char* cudaGetErrorName(cudaError_t err) {
  switch (err) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
  }
  return "cudaErrorUnknown";
}
const char* cudaGetErrorString(cudaError_t err) {
  switch (err) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
  }
  return "unknown error";
}
cudaError_t cudaRuntimeGetVersion(int* version) {
  *version = CUDART_VERSION;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* version) {
  *version = CUDART_VERSION;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = cnn_emu::DeviceCount();
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = cnn_emu::CurrentDevice();
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= cnn_emu::DeviceCount()) return Fail(cudaErrorInvalidDevice);
  cnn_emu::SetCurrentDevice(device);
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= cnn_emu::DeviceCount()) return Fail(cudaErrorInvalidDevice);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "cnn CUDA emulator (CPU)");
  prop->totalGlobalMem = cnn_emu::kDeviceBytes;
  prop->sharedMemPerBlock = 48 * 1024;
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 1;
  prop->l2CacheSize = 1 << 20;
  prop->maxThreadsPerBlock = 1024;
  prop->warpSize = 32;
  return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  *total_bytes = cnn_emu::kDeviceBytes;
  *free_bytes = cnn_emu::kDeviceBytes - cnn_emu::DeviceBytesInUse();
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  *ptr = cnn_emu::DeviceAllocate(bytes);
  return *ptr == nullptr ? Fail(cudaErrorMemoryAllocation) : cudaSuccess;
}
cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  return cnn_emu::DeviceFree(ptr) ? cudaSuccess : Fail(cudaErrorInvalidValue);
}
cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* attributes, const void* ptr) {
  const int owner = cnn_emu::DeviceOf(ptr);
  const bool device = owner >= 0;
  attributes->type = device ? cudaMemoryTypeDevice : cudaMemoryTypeUnregistered;
  attributes->device = device ? owner : -2;
  attributes->devicePointer = device ? const_cast<void*>(ptr) : nullptr;
  attributes->hostPointer = device ? nullptr : const_cast<void*>(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (bytes == 0) return cudaSuccess;
  if (!cnn_emu::KindMatches(dst, src, bytes, kind)) {
    std::fprintf(stderr, "cuda emulator: cudaMemcpy of %zu bytes, kind %d, from %p to %p: the pointers do not "
                 "match the kind\n", bytes, static_cast<int>(kind), src, dst);
    return Fail(cudaErrorInvalidValue);
  }
  cnn_emu::DeviceAccess access;
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, kind);
}
cudaError_t cudaMemset(void* dst, int value, size_t bytes) {
  if (bytes == 0) return cudaSuccess;
  if (!cnn_emu::IsDeviceRange(dst, bytes)) return Fail(cudaErrorInvalidValue);
  cnn_emu::DeviceAccess access;
  std::memset(dst, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t) { return cudaMemset(dst, value, bytes); }

// Work runs when it is issued, so streams and events only need identities.
struct CUstream_st {
  unsigned flags;
};
struct CUevent_st {
  unsigned flags;
};
cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
  *stream = new CUstream_st{flags};
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags) {
  *event = new CUevent_st{flags};
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) { return event ? cudaSuccess : Fail(cudaErrorInvalidValue); }
cudaError_t cudaEventSynchronize(cudaEvent_t event) { return event ? cudaSuccess : Fail(cudaErrorInvalidValue); }
cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t event, unsigned) {
  return event ? cudaSuccess : Fail(cudaErrorInvalidValue);
}
