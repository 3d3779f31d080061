#include "cnn/gpu/cuda_check.hpp"

#include <cstring>

#include "cnn/core/common.hpp"

namespace cnn {
namespace gpu {
namespace {

// "src/cnn/layers/neuron/relu_layer.cu:42" rather than the build machine's full path.
const char* ShortPath(const char* file) {
  const char* p = std::strstr(file, "src/cnn/");
  return p ? p : file;
}

}  // namespace

void ThrowCudaError(cudaError_t err, const char* call, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so the next call reports its own
  CNN_THROW("CUDA error '" << cudaGetErrorString(err) << "' (" << cudaGetErrorName(err) << ") in " << call
                           << " at " << ShortPath(file) << ":" << line);
}

void ThrowLibraryError(const char* library, int status, const char* text, const char* call, const char* file,
                       int line) {
  CNN_THROW(library << " error " << status << (text ? std::string(" '") + text + "'" : std::string()) << " in "
                    << call << " at " << ShortPath(file) << ":" << line);
}

}  // namespace gpu
}  // namespace cnn
