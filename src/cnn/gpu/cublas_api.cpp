#include "cnn/gpu/cublas_api.hpp"

#include <cuda_runtime.h>

#include <string>

#include "cnn/core/dynamic_library.hpp"

namespace cnn {
namespace gpu {
namespace {

CublasApi Load() {
  // cuBLAS keeps its major version in step with CUDA's.
  const std::string major = std::to_string(CUDART_VERSION / 1000);
  const DynamicLibrary lib({"cuBLAS", "libcublas.so." + major, "libcublas.so",
                            "install the CUDA toolkit's cuBLAS or add its folder to LD_LIBRARY_PATH",
                            "is it older than CUDA " + major + "?"});
  CublasApi api;
  lib.Resolve("cublasCreate_v2", &api.Create);
  lib.Resolve("cublasDestroy_v2", &api.Destroy);
  lib.Resolve("cublasGetVersion_v2", &api.GetVersion);
  lib.Resolve("cublasSetStream_v2", &api.SetStream);
  lib.Resolve("cublasSetPointerMode_v2", &api.SetPointerMode);
  lib.Resolve("cublasSgemm_v2", &api.Sgemm);
  lib.Resolve("cublasSgemv_v2", &api.Sgemv);
  lib.Resolve("cublasSaxpy_v2", &api.Saxpy);
  lib.Resolve("cublasSscal_v2", &api.Sscal);
  lib.Resolve("cublasSdot_v2", &api.Sdot);
  lib.Resolve("cublasSasum_v2", &api.Sasum);
  return api;
}

}  // namespace

const CublasApi& CublasLib() { return LoadOnce(&Load); }

}  // namespace gpu
}  // namespace cnn
