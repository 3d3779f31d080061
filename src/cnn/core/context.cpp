#include "cnn/core/context.hpp"

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace cnn {
namespace {

struct State {
  Mode mode = Mode::CPU;
  int device = 0;
  std::mt19937 rng{1701u};  // fixed default so an unseeded run is still repeatable
  uint64_t gpu_seed = 1701u;
  uint64_t gpu_offset = 0;
};

State& state() {
  // One state per thread: prefetch threads get their own generator and never
  // race with the solver thread.
  thread_local State s;
  return s;
}

}  // namespace

Mode Context::mode() { return state().mode; }
void Context::set_mode(Mode mode) { state().mode = mode; }
int Context::device() { return state().device; }
void Context::set_device(int device) { state().device = device; }
void Context::set_random_seed(uint64_t seed) {
  state().rng.seed(static_cast<std::mt19937::result_type>(seed));
  state().gpu_seed = seed;
  state().gpu_offset = 0;
}
uint64_t Context::gpu_rng_seed() { return state().gpu_seed; }
uint64_t Context::take_gpu_rng_offset(uint64_t numbers) {
  const uint64_t offset = state().gpu_offset;
  state().gpu_offset += numbers;
  return offset;
}
std::mt19937& Context::rng() { return state().rng; }

int Context::gpu_count() {
#ifdef CNN_WITH_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls report their own
    return 0;
  }
  return count;
#else
  return 0;
#endif
}

}  // namespace cnn
