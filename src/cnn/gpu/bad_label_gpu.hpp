// Where a GPU kernel records the first label outside the class range, so the
// layer can raise the same Error its CPU code raises instead of reading
// scores out of bounds. Kernels atomicMin the position of every bad label
// into the armed int; the host reads it back after the launch. CUDA builds
// only (host code; the kernels just take the int*).
#pragma once

#include <climits>

#include "cnn/core/synced_memory.hpp"

namespace cnn {

class BadLabelPosition {
 public:
  static constexpr int kNone = INT_MAX;

  // A device int holding kNone, for kernels to atomicMin positions into.
  // After a Read the device copy already equals the host copy, so only the
  // first use and a use after a bad label cost a host-to-device copy.
  int* Arm() {
    if (*static_cast<const int*>(mem_.cpu_data()) != kNone) *static_cast<int*>(mem_.mutable_cpu_data()) = kNone;
    return static_cast<int*>(mem_.mutable_gpu_data());
  }

  // The smallest position recorded since Arm (waits for the kernels), or -1.
  int Read() {
    const int position = *static_cast<const int*>(mem_.cpu_data());
    return position == kNone ? -1 : position;
  }

 private:
  SyncedMemory mem_{sizeof(int)};
};

}  // namespace cnn
