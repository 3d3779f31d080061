// The GPU side of the tool, kept behind plain functions so that commands
// compile the same in CPU-only and CUDA builds.
#pragma once

namespace cnn {
namespace tool {

// Makes `device` the current GPU and switches the context to GPU mode.
// Throws Error when cnn was built without CUDA or the device does not exist.
void SelectGpu(int device);
// Waits for queued GPU work in GPU mode, so a timer reads finished work; a
// no-op on the CPU.
void SynchronizeDevice();

}  // namespace tool
}  // namespace cnn
