// The core of the CUDA emulator (see tests/gpu_emulation/README.md): launch
// geometry, the per-thread indices a kernel reads, barriers, and the launch
// that runs every thread of a grid on the calling host thread. Kernels are
// compiled as plain C++; rewrite_launches.py turns `k<<<g, b, s, st>>>(args)`
// into ::cnn_emu::Launch(...). Nothing here is used by a real CUDA build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <math.h>  // nvcc declares the C math functions (logf, isnan) globally
#include <type_traits>

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct float4 {
  float x, y, z, w;
};
typedef struct CUstream_st* cudaStream_t;

namespace cnn_emu {

// What threadIdx, blockIdx, blockDim and gridDim read in the running thread.
struct ThreadState {
  uint3 thread_idx;
  uint3 block_idx;
  dim3 block_dim;
  dim3 grid_dim;
  unsigned linear;  // thread index within its block
};

ThreadState& Current();

// __syncthreads: every thread of the block waits for the others.
void BlockBarrier();
// The barrier a warp shuffle needs: the 32 lanes of the caller's warp.
void WarpBarrier();
// 8 bytes per thread of the running block, for shuffles' values.
uint64_t* ShuffleSlots();

struct Geometry {
  dim3 grid, block;
  size_t shared_bytes;
  cudaStream_t stream;
  Geometry(dim3 g, dim3 b, size_t s = 0, cudaStream_t st = nullptr) : grid(g), block(b), shared_bytes(s), stream(st) {}
};

// Runs body once per thread of the grid, one block after another.
void RunGrid(const Geometry& geometry, const char* kernel, const char* file, int line,
             const std::function<void()>& body);

// The emulated device whose cudaMalloc memory holds p, or -1; the device
// current on this host thread.
int DeviceOf(const void* p);
int CurrentDevice();
[[noreturn]] void HostPointerArgument(const char* kernel, const char* file, int line, int index, const void* p);
[[noreturn]] void OtherDeviceArgument(const char* kernel, const char* file, int line, int index, const void* p,
                                      int owner);

template <class T>
void CheckArgument(const char* kernel, const char* file, int line, int index, const T& value) {
  if constexpr (std::is_pointer_v<T>) {
    // A kernel given a host pointer, or another GPU's memory without peer
    // access, reads garbage or faults on a GPU; here it would silently work,
    // so both are errors.
    if (value == nullptr) return;
    const int owner = DeviceOf(value);
    if (owner < 0) HostPointerArgument(kernel, file, line, index, value);
    if (owner != CurrentDevice()) OtherDeviceArgument(kernel, file, line, index, value, owner);
  }
}

template <class Body, class... A>
void Launch(const char* kernel, const char* file, int line, const Geometry& geometry, Body&& body, A&&... args) {
  int index = 0;
  (CheckArgument(kernel, file, line, index++, args), ...);
  RunGrid(geometry, kernel, file, line, [&] { body(args...); });
}

}  // namespace cnn_emu

#define threadIdx (::cnn_emu::Current().thread_idx)
#define blockIdx (::cnn_emu::Current().block_idx)
#define blockDim (::cnn_emu::Current().block_dim)
#define gridDim (::cnn_emu::Current().grid_dim)
constexpr int warpSize = 32;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
// Blocks of one host thread run one after another, so one copy per host
// thread is one copy per running block.
#define __shared__ static thread_local

inline void __syncthreads() { ::cnn_emu::BlockBarrier(); }

template <class T>
T __shfl_xor_sync(unsigned /*mask*/, T value, int lane_mask, int width = 32) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffled values are at most 8 bytes");
  uint64_t* slots = ::cnn_emu::ShuffleSlots();
  const unsigned me = ::cnn_emu::Current().linear;
  std::memcpy(&slots[me], &value, sizeof(T));
  ::cnn_emu::WarpBarrier();
  const unsigned lane = me % 32, warp_base = me - lane;
  unsigned source = lane ^ static_cast<unsigned>(lane_mask);
  if (source / width != lane / width) source = lane;  // outside the caller's segment: its own value
  T result;
  std::memcpy(&result, &slots[warp_base + source], sizeof(T));
  ::cnn_emu::WarpBarrier();  // nobody overwrites a slot before every lane has read
  return result;
}

// Blocks run one after another, threads one at a time: a plain
// read-modify-write is atomic here.
template <class T>
T atomicAdd(T* address, T value) {
  const T old = *address;
  *address = old + value;
  return old;
}
template <class T>
T atomicMin(T* address, T value) {
  const T old = *address;
  if (value < old) *address = value;
  return old;
}
template <class T>
T atomicMax(T* address, T value) {
  const T old = *address;
  if (old < value) *address = value;
  return old;
}

// Round-to-nearest intrinsics: the host's IEEE operations (the emulated
// kernels are compiled with -ffp-contract=off, so nothing fuses them).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return __builtin_sqrtf(a); }
inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
inline int __float_as_int(float f) {
  int i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}
inline float __expf(float x) { return __builtin_expf(x); }
inline float __logf(float x) { return __builtin_logf(x); }
inline float rsqrtf(float x) { return 1.0f / __builtin_sqrtf(x); }
template <class T>
T __ldg(const T* p) {
  return *p;
}

// nvcc's global min and max for the arithmetic types.
#define CNN_EMU_MIN_MAX(T)                          \
  inline T min(T a, T b) { return b < a ? b : a; } \
  inline T max(T a, T b) { return a < b ? b : a; }
CNN_EMU_MIN_MAX(int)
CNN_EMU_MIN_MAX(unsigned)
CNN_EMU_MIN_MAX(long)
CNN_EMU_MIN_MAX(unsigned long)
CNN_EMU_MIN_MAX(long long)
CNN_EMU_MIN_MAX(unsigned long long)
CNN_EMU_MIN_MAX(float)
CNN_EMU_MIN_MAX(double)
#undef CNN_EMU_MIN_MAX
