// The GPU side of the tool, kept behind plain functions so that commands
// compile the same in CPU-only and CUDA builds.
#pragma once

#include <string>

namespace cnn {
namespace tool {

// Makes `device` the current GPU and switches the context to GPU mode.
// Throws Error when cnn was built without CUDA or the device does not exist.
void SelectGpu(int device);
// Waits for queued GPU work in GPU mode, so a timer reads finished work; a
// no-op on the CPU.
void SynchronizeDevice();
// "Peak GPU memory: 1234.5 MiB in use, 1300.0 MiB reserved" for the device
// allocator since start-up (PyTorch's max_memory_allocated counts the same
// "in use" figure); empty on the CPU.
std::string GpuMemoryReport();

}  // namespace tool
}  // namespace cnn
