// Device memory of the emulated GPU. Every cudaMalloc is its own mapping,
// inaccessible (PROT_NONE) while host code runs and readable and writable
// only inside a DeviceAccess scope (a kernel, a copy, a cuBLAS call), with
// an inaccessible page right after its last byte: host code that reads a
// device pointer, or a kernel that runs past the end of a buffer, faults
// at once and the fault handler names it, as a GPU would (or worse, would
// not). New allocations are filled with 0xFF bytes (NaN as floats), so a
// kernel that reads memory nobody wrote shows NaNs instead of zeros.
#pragma once

#include <cstddef>

namespace cnn_emu {

// The emulated devices: CNN_EMU_DEVICES of them (1 to 8, default 1), all
// in this address space, each allocation tagged with its device.
int DeviceCount();
int CurrentDevice();  // per host thread, as cudaSetDevice sets it
void SetCurrentDevice(int device);

// On the current device; nullptr when the emulated memory is full.
void* DeviceAllocate(size_t bytes);
bool DeviceFree(void* p);            // false when p is not a live allocation
bool IsDevicePointer(const void* p);
// The device whose memory holds p, or -1 for any other address.
int DeviceOf(const void* p);
// The allocation that holds [p, p + bytes), or false.
bool IsDeviceRange(const void* p, size_t bytes);
size_t DeviceBytesInUse();
constexpr size_t kDeviceBytes = size_t{4} << 30;

// While one of these lives (on any host thread), device memory is accessible.
class DeviceAccess {
 public:
  DeviceAccess();
  ~DeviceAccess();
  DeviceAccess(const DeviceAccess&) = delete;
  DeviceAccess& operator=(const DeviceAccess&) = delete;
};

// Where the running kernel was launched from, for the fault handler's message.
void SetRunningKernel(const char* kernel, const char* file, int line);

}  // namespace cnn_emu
