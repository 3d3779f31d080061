#include "cnn/core/parallel.hpp"

#include <cblas.h>
#include <sched.h>
#include <strings.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include "cnn/core/common.hpp"

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

// The cores of this process's affinity mask (taskset, cgroups' cpusets), not
// the machine's: a container limited to 2 cores of 64 must not start 64.
int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// OMP_NUM_THREADS may be a list for nested levels ("4,2"); the outer level
// is the one every pool here runs at. 0 when unset or empty.
int ThreadsFromEnvironment(const char* variable) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return 0;
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  CNN_CHECK(end != text && (*end == '\0' || *end == ',') && n >= 1 && n <= 4096,
            variable << "='" << text << "' is not a thread count (a whole number from 1 to 4096)");
  return static_cast<int>(n);
}

std::mutex g_mutex;
int g_threads = 0;
std::string g_source;

void Choose(int requested) {
  CNN_CHECK(requested >= 0 && requested <= 4096,
            "--threads must be a thread count from 1 to 4096 (0: OMP_NUM_THREADS or every core), got "
                << requested);
  if (requested > 0) {
    g_threads = requested;
    g_source = "--threads";
  } else if (const int omp = ThreadsFromEnvironment("OMP_NUM_THREADS"); omp > 0) {
    g_threads = omp;
    g_source = "OMP_NUM_THREADS";
  } else if (const int blas = ThreadsFromEnvironment("OPENBLAS_NUM_THREADS"); blas > 0) {
    // What OpenBLAS alone would have followed: scripts that limit it this way
    // keep their meaning, now for both pools.
    g_threads = blas;
    g_source = "OPENBLAS_NUM_THREADS";
  } else {
    g_threads = AvailableCores();
    g_source = "cores";
  }
}

}  // namespace

int SetThreadCount(int requested) {
  std::lock_guard<std::mutex> lock(g_mutex);
  Choose(requested);
  openblas_set_num_threads(g_threads);
#ifdef _OPENMP
  omp_set_num_threads(g_threads);
#endif
  return g_threads;
}

int ThreadCount() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_threads == 0) Choose(0);
  return g_threads;
}

const std::string& ThreadCountSource() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_threads == 0) Choose(0);
  return g_source;
}

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
