#include "cnn/core/cpu_workspace.hpp"

#include "cnn/core/synced_memory.hpp"

namespace cnn {

CpuWorkspace& CpuWorkspace::ThisThread() {
  thread_local CpuWorkspace workspace;
  return workspace;
}

CpuWorkspace::CpuWorkspace() = default;
CpuWorkspace::~CpuWorkspace() = default;

void CpuWorkspace::Reserve(size_t floats) {
  if (floats <= capacity_) return;
  // Freed before the larger one is taken, so growing never holds both.
  memory_.reset();
  memory_ = std::make_unique<SyncedMemory>(floats * sizeof(float));
  memory_->mutable_cpu_data();
  capacity_ = floats;
}

float* CpuWorkspace::Get(size_t floats) {
  Reserve(floats);
  return memory_ ? static_cast<float*>(memory_->mutable_cpu_data()) : nullptr;
}

}  // namespace cnn
