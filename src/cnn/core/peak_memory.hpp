// The process's peak resident memory, for the line `cnn train` and
// `cnn time` end with: what the machine had to give, allocator slack, code
// and libraries included, not only what the blobs asked for.
#pragma once

namespace cnn {

// In MiB (2^20 bytes): VmHWM from /proc/self/status, the high-water mark
// of this program image (the tool re-executes itself once at start-up, and
// getrusage would also count the image before that); getrusage's
// ru_maxrss where /proc is not mounted.
double PeakResidentMiB();

}  // namespace cnn
