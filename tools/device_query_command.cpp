// `cnn device_query`, and the GPU selection the other commands share.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>
#ifdef CNN_WITH_CUDNN
#include <cudnn.h>
#endif
#endif

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/allocator.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/cublas_api.hpp"
#include "cnn/gpu/device_context.hpp"
#endif
#include "commands.hpp"
#include "device.hpp"

namespace cnn {
namespace tool {

#ifdef CNN_WITH_CUDA

namespace {

std::string CudaVersionText(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

}  // namespace

void SelectGpu(int device) {
  gpu::SetDevice(device);
  Context::set_device(device);
  Context::set_mode(Mode::GPU);
}

void SynchronizeDevice() {
  if (Context::mode() != Mode::GPU) return;
  gpu::Synchronize();
}

std::string GpuMemoryReport() {
  if (Context::mode() != Mode::GPU) return "";
  const gpu::MemoryStats stats = gpu::Stats();
  char text[160];
  std::snprintf(text, sizeof text, "Peak GPU memory: %.1f MiB in use, %.1f MiB reserved", stats.peak_in_use / 1048576.0,
                stats.peak_reserved / 1048576.0);
  return text;
}

int DeviceQueryCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("device_query", args);
  const int device = std::max(GpuFromFlag(), 0);
  SelectGpu(device);
  cudaDeviceProp prop;
  cudaError_t err = cudaGetDeviceProperties(&prop, device);
  CNN_CHECK(err == cudaSuccess, "cannot read the properties of GPU " << device << ": " << cudaGetErrorString(err));
  size_t free_bytes = 0, total_bytes = 0;
  err = cudaMemGetInfo(&free_bytes, &total_bytes);
  CNN_CHECK(err == cudaSuccess, "cannot read the memory of GPU " << device << ": " << cudaGetErrorString(err));
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  int cublas = 0;
  CNN_CUBLAS_CHECK(gpu::CublasLib().GetVersion(gpu::Cublas(), &cublas));

  const double gib = 1024.0 * 1024.0 * 1024.0;
  std::printf("Device %d: %s\n", device, prop.name);
  std::printf("Compute capability: %d.%d\n", prop.major, prop.minor);
  std::printf("Total memory: %.1f GiB (%.1f GiB free)\n", total_bytes / gib, free_bytes / gib);
  std::printf("Multiprocessors (SMs): %d\n", prop.multiProcessorCount);
  std::printf("Shared memory per block: %zu KiB\n", prop.sharedMemPerBlock / 1024);
  std::printf("L2 cache: %d KiB\n", prop.l2CacheSize / 1024);
  std::printf("CUDA runtime version: %s\n", CudaVersionText(runtime).c_str());
  std::printf("CUDA driver version: %s\n", CudaVersionText(driver).c_str());
  std::printf("cuBLAS version: %d.%d.%d\n", cublas / 10000, cublas % 10000 / 100, cublas % 100);
#ifdef CNN_WITH_CUDNN
  // cuDNN 9 numbers its versions major*10000 + minor*100 + patch; 8 used major*1000.
  const size_t cudnn = cudnnGetVersion();
  const size_t major_unit = cudnn >= 90000 ? 10000 : 1000;
  std::printf("cuDNN version: %zu.%zu.%zu\n", cudnn / major_unit, cudnn % major_unit / 100, cudnn % 100);
#else
  std::printf("cuDNN: not built in (configure with -DCNN_WITH_CUDNN=ON)\n");
#endif
  return 0;
}

#else  // CPU-only build

void SelectGpu(int device) { CNN_THROW("--gpu=" << device << ": cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)"); }

void SynchronizeDevice() {}

std::string GpuMemoryReport() { return ""; }

int DeviceQueryCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("device_query", args);
  CNN_THROW("cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
}

#endif

}  // namespace tool
}  // namespace cnn
