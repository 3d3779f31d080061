#include "cnn/gpu/device_context.hpp"

#include <map>
#include <mutex>

#include "cnn/core/common.hpp"
#include "cnn/gpu/allocator.hpp"
#include "cnn/gpu/cublas_api.hpp"
#include "cnn/gpu/cuda_check.hpp"

namespace cnn {
namespace gpu {
namespace {

// Handles of one thread on one device. cuBLAS and cuDNN handles are not safe
// to share between threads issuing work at once, so each thread has its own.
// They are never destroyed: only the solver thread (and tests) create them,
// and destroying them from a thread_local destructor at process exit races
// the CUDA runtime's own teardown.
struct ThreadHandles {
  cublasHandle_t cublas = nullptr;
#ifdef CNN_WITH_CUDNN
  cudnnHandle_t cudnn = nullptr;
#endif
};

ThreadHandles& Handles(int device) {
  thread_local std::map<int, ThreadHandles> per_device;
  return per_device[device];
}

struct Workspace {
  void* ptr = nullptr;
  size_t bytes = 0;
};

}  // namespace

void SetDevice(int device) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    CNN_THROW("GPU " << device << " requested, but no CUDA device is usable: " << cudaGetErrorString(err));
  }
  CNN_CHECK(count > 0, "GPU " << device << " requested, but this machine has no CUDA device");
  CNN_CHECK(device >= 0 && device < count,
            "GPU " << device << " does not exist: this machine has " << count << " CUDA device(s), 0 to "
                   << count - 1);
  CNN_CUDA_CHECK(cudaSetDevice(device));
}

int CurrentDevice() {
  int device = 0;
  CNN_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

cublasHandle_t Cublas() {
  ThreadHandles& h = Handles(CurrentDevice());
  if (!h.cublas) {
    const CublasApi& api = CublasLib();
    CNN_CUBLAS_CHECK(api.Create(&h.cublas));
    // Scalars (alpha, beta, dot results) live on the host.
    CNN_CUBLAS_CHECK(api.SetPointerMode(h.cublas, CUBLAS_POINTER_MODE_HOST));
  }
  return h.cublas;
}

#ifdef CNN_WITH_CUDNN
cudnnHandle_t Cudnn() {
  ThreadHandles& h = Handles(CurrentDevice());
  if (!h.cudnn) CNN_CUDNN_CHECK(cudnnCreate(&h.cudnn));
  return h.cudnn;
}
#endif

void* SharedWorkspace(size_t bytes) {
  static std::mutex mutex;
  static std::map<int, Workspace> spaces;
  std::lock_guard<std::mutex> lock(mutex);
  Workspace& w = spaces[CurrentDevice()];
  if (bytes > w.bytes || !w.ptr) {
    // The old buffer may still be read by queued kernels; the caching
    // allocator only hands it out again to work queued after this point on
    // the same stream, so releasing it here is safe.
    Release(w.ptr);
    w.ptr = nullptr;
    w.bytes = 0;
    w.ptr = Allocate(bytes);
    w.bytes = bytes;
  }
  return w.ptr;
}

void Synchronize() { CNN_CUDA_CHECK(cudaDeviceSynchronize()); }

}  // namespace gpu
}  // namespace cnn
