// Per-thread GPU handles: the current device, and the cuBLAS and cuDNN
// handles every GPU layer and solver uses. All compute is issued on the
// legacy default stream, so layers run in order without explicit events;
// only the data layer's prefetch thread copies on a stream of its own.
// CUDA builds only.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#ifdef CNN_WITH_CUDNN
#include <cudnn.h>
#endif

#include <cstddef>

namespace cnn {
namespace gpu {

// Makes `device` current for the calling thread. Throws Error naming the
// device count when it does not exist or no CUDA device is usable.
void SetDevice(int device);
int CurrentDevice();

// Handles for the calling thread and its current device, created on first
// use (creation needs a working GPU; a CPU run never calls these).
cublasHandle_t Cublas();
#ifdef CNN_WITH_CUDNN
cudnnHandle_t Cudnn();
#endif

// One scratch buffer per device shared by every layer that needs temporary
// space (cuDNN workspaces): layers run one after another on one stream, so
// they can all use the same bytes. Grows on demand, never shrinks; the
// pointer is valid until the next call.
void* SharedWorkspace(size_t bytes);

// Waits for all queued work on the current device.
void Synchronize();

}  // namespace gpu
}  // namespace cnn
