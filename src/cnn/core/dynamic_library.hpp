// A shared library opened with dlopen on first use, for the large ones only
// some runs need (cuBLAS, NCCL: about 200 MiB resident each once loaded), so
// that every other process of a build with them neither pays for them nor
// fails to start where they are absent. Each API keeps its function table
// in its own file (gpu/cublas_api.cpp, parallel/nccl_api.cpp) and loads it
// through LoadOnce.
#pragma once

#include <mutex>
#include <string>

#include "cnn/core/common.hpp"

namespace cnn {

class DynamicLibrary {
 public:
  struct Names {
    std::string what;      // "cuBLAS", for messages
    std::string soname;    // the versioned file we compiled against, tried first
    std::string fallback;  // the unversioned name, tried next
    std::string install;   // how to get it: "install NCCL or add its folder to LD_LIBRARY_PATH"
    std::string too_old;   // why a symbol may be missing: "is it older than NCCL 2.21?"
  };

  // Throws Error "cannot load <what> (<soname>): <loader's message>; <install>".
  // The library stays open for the life of the process.
  explicit DynamicLibrary(Names names);

  // Throws Error "<soname> has no symbol <name>: <too_old>".
  template <typename Fn>
  void Resolve(const char* name, Fn* out) const {
    *out = reinterpret_cast<Fn>(Symbol(name));
  }

 private:
  void* Symbol(const char* name) const;

  Names names_;
  void* handle_ = nullptr;
};

// Runs `load` once per process; a failure is kept and thrown again, with the
// same message, on every later call.
template <typename Api>
const Api& LoadOnce(Api (*load)()) {
  static std::once_flag once;
  static Api api;
  static std::string error;
  std::call_once(once, [load] {
    try {
      api = load();
    } catch (const Error& e) {
      error = e.what();
    }
  });
  CNN_CHECK(error.empty(), error);
  return api;
}

}  // namespace cnn
