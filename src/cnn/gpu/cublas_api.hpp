// cuBLAS, opened with dlopen on first use. Linking it would make every
// process of a CUDA build, CPU runs and tests included, load cuBLAS and
// cuBLASLt at start-up (about 200 MiB resident and half a second); only a
// GPU run pays for it this way. The function types come from cublas_v2.h,
// so a call through the table is checked like a direct call. CUDA builds only.
#pragma once

#include <cublas_v2.h>

namespace cnn {
namespace gpu {

struct CublasApi {
  decltype(&::cublasCreate_v2) Create;
  decltype(&::cublasDestroy_v2) Destroy;
  decltype(&::cublasGetVersion_v2) GetVersion;
  decltype(&::cublasSetStream_v2) SetStream;
  decltype(&::cublasSetPointerMode_v2) SetPointerMode;
  decltype(&::cublasSgemm_v2) Sgemm;
  decltype(&::cublasSgemv_v2) Sgemv;
  decltype(&::cublasSaxpy_v2) Saxpy;
  decltype(&::cublasSscal_v2) Sscal;
  decltype(&::cublasSdot_v2) Sdot;
  decltype(&::cublasSasum_v2) Sasum;
};

// The loaded table. Throws Error naming the library file and the loader's
// message when cuBLAS cannot be found or lacks a symbol.
const CublasApi& CublasLib();

}  // namespace gpu
}  // namespace cnn
