// What every fuzz target shares: quiet logging, the input as a file (the
// readers under test take paths, and reading the file is part of what they
// do), and the rule that cnn::Error is the one acceptable answer to bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cnn {
namespace fuzz {

// The host memory all blobs of one fuzz target may hold at once, in bytes.
constexpr size_t kCpuMemoryLimit = size_t(2) << 20;

// Silences glog below ERROR, caps blob memory at kCpuMemoryLimit; call once
// from LLVMFuzzerInitialize.
void Init();

// Writes the input to a per-process file named with `suffix` (the readers
// pick text or binary by the name) and returns its path; the same path is
// reused by every run of the process.
std::string WriteInput(const uint8_t* data, size_t size, const std::string& suffix);

// A private scratch directory of this process, made on first use.
const std::string& ScratchDir();

}  // namespace fuzz
}  // namespace cnn

// Runs `body`; a cnn::Error is the expected outcome for bad input and is
// swallowed. Anything else propagates and libFuzzer reports it as a crash
// (an uncaught exception aborts).
#define CNN_FUZZ_EXPECT_ONLY_ERRORS(body) \
  do {                                    \
    try {                                 \
      body;                               \
    } catch (const ::cnn::Error&) {       \
    }                                     \
  } while (0)
