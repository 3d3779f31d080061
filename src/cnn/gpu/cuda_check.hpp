// Checks for every CUDA runtime, cuBLAS and cuDNN call, and the launch
// geometry our kernels share. A failed call becomes a cnn::Error naming the
// call and its source line, so a broken launch is a one-line message, not an
// abort. CUDA builds only.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace cnn {
namespace gpu {

[[noreturn]] void ThrowCudaError(cudaError_t err, const char* call, const char* file, int line);
[[noreturn]] void ThrowLibraryError(const char* library, int status, const char* text, const char* call,
                                    const char* file, int line);

inline void CheckCuda(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess) ThrowCudaError(err, call, file, line);
}

// Threads per block for our elementwise kernels; a grid-stride loop covers
// any count, so the block count only needs to be large enough to fill the GPU.
constexpr int kThreads = 256;
inline int Blocks(size_t n) {
  const size_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b == 0 ? 1 : (b > 65535u * 32u ? 65535u * 32u : b));
}

}  // namespace gpu
}  // namespace cnn

#define CNN_CUDA_CHECK(call) ::cnn::gpu::CheckCuda((call), #call, __FILE__, __LINE__)
// After a kernel launch: reports a bad launch configuration at once (the
// kernel's own faults surface at the next synchronising call).
#define CNN_KERNEL_CHECK() CNN_CUDA_CHECK(cudaPeekAtLastError())

#define CNN_CUBLAS_CHECK(call)                                                              \
  do {                                                                                      \
    const int cnn_status_ = static_cast<int>(call);                                         \
    if (cnn_status_ != 0) ::cnn::gpu::ThrowLibraryError("cuBLAS", cnn_status_, nullptr, #call, __FILE__, __LINE__); \
  } while (0)

#define CNN_CUDNN_CHECK(call)                                                                 \
  do {                                                                                        \
    const cudnnStatus_t cnn_status_ = (call);                                                 \
    if (cnn_status_ != CUDNN_STATUS_SUCCESS)                                                  \
      ::cnn::gpu::ThrowLibraryError("cuDNN", static_cast<int>(cnn_status_), cudnnGetErrorString(cnn_status_), #call, \
                                    __FILE__, __LINE__);                                      \
  } while (0)

// for (i over [0, n)) spread across the whole grid.
#define CNN_KERNEL_LOOP(i, n)                                                              \
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<long long>(blockDim.x) * gridDim.x)
