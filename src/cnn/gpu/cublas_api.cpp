#include "cnn/gpu/cublas_api.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <mutex>
#include <string>

#include "cnn/core/common.hpp"

namespace cnn {
namespace gpu {
namespace {

// The soname matching the toolkit we compiled against: cuBLAS keeps its
// major version in step with CUDA's.
std::string LibraryName() {
  return "libcublas.so." + std::to_string(CUDART_VERSION / 1000);
}

template <typename Fn>
void Resolve(void* lib, const char* name, Fn* out) {
  void* sym = dlsym(lib, name);
  CNN_CHECK(sym, LibraryName() << " has no symbol " << name << ": is it older than CUDA " << CUDART_VERSION / 1000
                               << "?");
  *out = reinterpret_cast<Fn>(sym);
}

CublasApi Load() {
  const std::string file = LibraryName();
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) lib = dlopen("libcublas.so", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    CNN_THROW("cannot load cuBLAS (" << file << "): " << (why ? why : "not found")
                                     << "; install the CUDA toolkit's cuBLAS or add its folder to LD_LIBRARY_PATH");
  }
  CublasApi api;
  Resolve(lib, "cublasCreate_v2", &api.Create);
  Resolve(lib, "cublasDestroy_v2", &api.Destroy);
  Resolve(lib, "cublasGetVersion_v2", &api.GetVersion);
  Resolve(lib, "cublasSetStream_v2", &api.SetStream);
  Resolve(lib, "cublasSetPointerMode_v2", &api.SetPointerMode);
  Resolve(lib, "cublasSgemm_v2", &api.Sgemm);
  Resolve(lib, "cublasSgemv_v2", &api.Sgemv);
  Resolve(lib, "cublasSaxpy_v2", &api.Saxpy);
  Resolve(lib, "cublasSscal_v2", &api.Sscal);
  Resolve(lib, "cublasSdot_v2", &api.Sdot);
  Resolve(lib, "cublasSasum_v2", &api.Sasum);
  return api;  // the library stays open for the life of the process
}

}  // namespace

const CublasApi& CublasLib() {
  static std::once_flag once;
  static CublasApi api;
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

}  // namespace gpu
}  // namespace cnn
