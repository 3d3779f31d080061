// cuBLAS for the emulated device: the same column-major calls through the
// host's CBLAS. Operands must be device memory, as on a GPU; scalars and
// results follow the handle's pointer mode.
#include <cblas.h>

#include <cstdio>

#include "cublas_v2.h"
#include "emu_memory.hpp"

struct cublasContext {
  cublasPointerMode_t mode = CUBLAS_POINTER_MODE_HOST;
  int device = cnn_emu::CurrentDevice();  // a handle works on the device current at its creation
};

namespace {

bool Operands(cublasHandle_t h, const char* call, std::initializer_list<const void*> pointers) {
  for (const void* p : pointers) {
    if (p == nullptr) continue;
    const int owner = cnn_emu::DeviceOf(p);
    if (owner < 0) {
      std::fprintf(stderr, "cuda emulator: %s given %p, which is not device memory\n", call, p);
      return false;
    }
    if (owner != h->device) {
      std::fprintf(stderr, "cuda emulator: %s on a handle of device %d given %p, device %d's memory\n", call,
                   h->device, p, owner);
      return false;
    }
  }
  return true;
}

bool ScalarPointer(cublasHandle_t h, const void* p) {
  return p != nullptr && (h->mode == CUBLAS_POINTER_MODE_DEVICE) == cnn_emu::IsDevicePointer(p);
}

CBLAS_TRANSPOSE Op(cublasOperation_t t) { return t == CUBLAS_OP_N ? CblasNoTrans : CblasTrans; }

}  // namespace

extern "C" {

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasGetVersion_v2(cublasHandle_t, int* version) {
  *version = 120000;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t) {
  return handle ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t h, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const float* alpha, const float* a, int lda, const float* b, int ldb,
                              const float* beta, float* c, int ldc) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (m < 0 || n < 0 || k < 0 || !ScalarPointer(h, alpha) || !ScalarPointer(h, beta) ||
      !Operands(h, "cublasSgemm", {a, b, c}))
    return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  cblas_sgemm(CblasColMajor, Op(transa), Op(transb), m, n, k, *alpha, a, lda, b, ldb, *beta, c, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSgemv_v2(cublasHandle_t h, cublasOperation_t trans, int m, int n, const float* alpha,
                              const float* a, int lda, const float* x, int incx, const float* beta, float* y,
                              int incy) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (m < 0 || n < 0 || !ScalarPointer(h, alpha) || !ScalarPointer(h, beta) || !Operands(h, "cublasSgemv", {a, x, y}))
    return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  cblas_sgemv(CblasColMajor, Op(trans), m, n, *alpha, a, lda, x, incx, *beta, y, incy);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSaxpy_v2(cublasHandle_t h, int n, const float* alpha, const float* x, int incx, float* y,
                              int incy) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!ScalarPointer(h, alpha) || !Operands(h, "cublasSaxpy", {x, y})) return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  cblas_saxpy(n, *alpha, x, incx, y, incy);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSscal_v2(cublasHandle_t h, int n, const float* alpha, float* x, int incx) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!ScalarPointer(h, alpha) || !Operands(h, "cublasSscal", {x})) return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  cblas_sscal(n, *alpha, x, incx);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSdot_v2(cublasHandle_t h, int n, const float* x, int incx, const float* y, int incy,
                             float* result) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!ScalarPointer(h, result) || !Operands(h, "cublasSdot", {x, y})) return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  *result = cblas_sdot(n, x, incx, y, incy);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSasum_v2(cublasHandle_t h, int n, const float* x, int incx, float* result) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!ScalarPointer(h, result) || !Operands(h, "cublasSasum", {x})) return CUBLAS_STATUS_INVALID_VALUE;
  cnn_emu::DeviceAccess access;
  *result = cblas_sasum(n, x, incx);
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
