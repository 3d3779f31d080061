#include "cnn/core/parallel.hpp"

#include <cblas.h>
#include <strings.h>

#include <cstdlib>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {
namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kMinParallelWork = 1 << 15;

bool PassiveWaitPolicy() {
  // libgomp reads the variable once at start-up, so reading it once here
  // sees the policy it runs with.
  static const bool passive = [] {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    return policy != nullptr && strcasecmp(policy, "passive") == 0;
  }();
  return passive;
}

}  // namespace

bool ParallelLoopPays(int64_t work) {
#ifdef _OPENMP
  if (work < kMinParallelWork || omp_get_max_threads() < 2) return false;
  return openblas_get_num_threads() == 1 || PassiveWaitPolicy();
#else
  (void)work;
  return false;
#endif
}

}  // namespace cnn
