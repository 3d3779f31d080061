#include "cnn/parallel/nccl_api.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "cnn/core/common.hpp"

namespace cnn {
namespace parallel {
namespace {

// The soname of the NCCL major version whose header we compiled against.
std::string LibraryName() { return "libnccl.so." + std::to_string(NCCL_MAJOR); }

template <typename Fn>
void Resolve(void* lib, const char* name, Fn* out) {
  void* sym = dlsym(lib, name);
  CNN_CHECK(sym, LibraryName() << " has no symbol " << name << ": is it older than NCCL " << NCCL_MAJOR << "."
                               << NCCL_MINOR << "?");
  *out = reinterpret_cast<Fn>(sym);
}

NcclApi Load() {
  const std::string file = LibraryName();
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) lib = dlopen("libnccl.so", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    CNN_THROW("cannot load NCCL (" << file << "): " << (why ? why : "not found")
                                   << "; install NCCL or add its folder to LD_LIBRARY_PATH");
  }
  NcclApi api;
  Resolve(lib, "ncclGetVersion", &api.GetVersion);
  Resolve(lib, "ncclGetUniqueId", &api.GetUniqueId);
  Resolve(lib, "ncclCommInitRank", &api.CommInitRank);
  Resolve(lib, "ncclCommInitAll", &api.CommInitAll);
  Resolve(lib, "ncclCommDestroy", &api.CommDestroy);
  Resolve(lib, "ncclCommAbort", &api.CommAbort);
  Resolve(lib, "ncclAllReduce", &api.AllReduce);
  Resolve(lib, "ncclBroadcast", &api.Broadcast);
  Resolve(lib, "ncclGetErrorString", &api.GetErrorString);
  return api;  // the library stays open for the life of the process
}

}  // namespace

const NcclApi& NcclLib() {
  static std::once_flag once;
  static NcclApi api;
  static std::string error;
  std::call_once(once, [] {
    try {
      api = Load();
    } catch (const Error& e) {
      error = e.what();
    }
  });
  CNN_CHECK(error.empty(), error);
  return api;
}

}  // namespace parallel
}  // namespace cnn
