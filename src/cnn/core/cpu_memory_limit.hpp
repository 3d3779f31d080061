// A cap on the host memory that all SyncedMemory buffers of the process may
// hold at once. The fuzzers set it, so that a net asking for gigabytes, or
// for weights whose filling alone would take minutes under the sanitizers,
// fails fast at the layer that asks, after everything before it was parsed
// and built; `cnn` itself sets none.
#pragma once

#include <cstddef>

namespace cnn {

// In bytes; 0 (the default) is no limit. An allocation that would pass it
// fails as one on a machine out of memory does: OutOfMemory with the size.
void SetCpuMemoryLimit(size_t bytes);

// The host bytes SyncedMemory buffers hold now.
size_t CpuMemoryInUse();

// Host buffers SyncedMemory has allocated since the process started (freed
// ones included): a training loop in steady state adds none, which the
// tests check through this count and CpuMemoryInUse().
size_t CpuAllocationCount();

}  // namespace cnn
