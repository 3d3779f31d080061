// Shared between the emulator's runtime and launch code.
#pragma once

#include "cuda_runtime.h"

namespace cnn_emu {
// Records a launch's error for the next cudaGetLastError/cudaPeekAtLastError.
void SetLaunchError(cudaError_t err);
}  // namespace cnn_emu
