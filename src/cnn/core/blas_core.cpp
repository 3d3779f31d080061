#include "cnn/core/blas_core.hpp"

#include <cblas.h>
#include <strings.h>

#include <cstdlib>

// DYNAMIC_ARCH OpenBLAS's loader (driver/others/dynamic.c): init picks the
// kernel table from OPENBLAS_CORETYPE or the CPU and runs its set-up; quit
// forgets the table. Weak: a single-architecture OpenBLAS has neither.
extern "C" void gotoblas_dynamic_init(void) __attribute__((weak));
extern "C" void gotoblas_dynamic_quit(void) __attribute__((weak));

namespace cnn {

namespace {
std::string& Detected() {
  static std::string detected;
  return detected;
}
}  // namespace

CpuVectorFeatures DetectCpuVectorFeatures() {
  CpuVectorFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include the OS's XCR0 state for the AVX and AVX-512 registers.
  __builtin_cpu_init();
  f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512 = f.avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl");
#endif
  return f;
}

bool IsVectorOpenBlasCore(const std::string& core) {
  // OpenBLAS 0.3.21's x86-64 kernel sets with AVX2 (Haswell, Excavator, Zen) or
  // AVX-512 (SkylakeX, Cooperlake, SapphireRapids); its names vary in case
  // between openblas_get_corename() and OPENBLAS_CORETYPE.
  for (const char* name : {"Haswell", "Excavator", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"}) {
    if (strcasecmp(core.c_str(), name) == 0) return true;
  }
  return false;
}

std::string BetterOpenBlasCore(const std::string& detected, const CpuVectorFeatures& cpu) {
  if (!cpu.avx2_fma || IsVectorOpenBlasCore(detected)) return "";
  return cpu.avx512 ? "SkylakeX" : "Haswell";
}

std::string UseBetterOpenBlasKernels() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return "";
  const std::string detected = openblas_get_corename();
  const std::string better = BetterOpenBlasCore(detected, DetectCpuVectorFeatures());
  if (better.empty()) return "";
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  Detected() = detected;
  return detected;
}

const std::string& OpenBlasCoreDetected() { return Detected(); }

}  // namespace cnn
