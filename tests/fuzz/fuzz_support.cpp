#include "fuzz_support.hpp"

#include <glog/logging.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cnn/core/common.hpp"
#include "cnn/core/cpu_memory_limit.hpp"

// The fuzzers' sanitizer settings, built in so a bare `./fuzz_x corpus/`
// behaves as scripts/fuzz.sh runs it. One allocation over 256 MiB fails (as
// it does on a machine out of memory) instead of killing the fuzzer, so
// cnn's own "out of CPU memory" error is what a huge blob in a file produces;
// a throwing `new` that large is still reported, and is a finding: a real
// file could ask for it. Leak checking stays on.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=256:abort_on_error=1";
}
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

namespace cnn {
namespace fuzz {

void Init() {
  // Every blob of a target shares this much host memory. A fuzzed shape or
  // num_output asks for far more: its net is built up to the layer whose
  // allocation passes the limit, which fails there with cnn's own "out of
  // CPU memory" error. Without it, filling the weights of a reference net
  // (AlexNet's fc6 alone is 38 M values) took a minute per input.
  SetCpuMemoryLimit(kCpuMemoryLimit);
  FLAGS_minloglevel = 2;
  FLAGS_logtostderr = true;
  google::InitGoogleLogging("cnn_fuzz");
}

const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/cnn-fuzz-XXXXXX";
    if (!mkdtemp(&pattern[0])) {
      std::perror("mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  return dir;
}

std::string WriteInput(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = ScratchDir() + "/input" + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace fuzz
}  // namespace cnn
