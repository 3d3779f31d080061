// Which OpenBLAS kernels this process runs. Debian's OpenBLAS (0.3.21, built
// DYNAMIC_ARCH) picks its kernel set from the CPU's family and model when the
// library loads; a model it does not know falls back to the generic Prescott
// (SSE3) set. On an Emerald Rapids Xeon (family 6, model 207, AVX-512) that
// ran sgemm 2048^3 at 42-60 GFLOP/s where the SkylakeX set, forced with
// OPENBLAS_CORETYPE, ran 309 (2 threads). The tool and the Python module
// switch to the better set when they start (UseBetterOpenBlasKernels).
#pragma once

#include <string>

namespace cnn {

struct CpuVectorFeatures {
  bool avx2_fma = false;  // AVX2 and FMA, with the OS saving the YMM state
  bool avx512 = false;    // AVX-512 F, CD, BW, DQ and VL (what SkylakeX's kernels use), ZMM state saved
};

CpuVectorFeatures DetectCpuVectorFeatures();

// The OPENBLAS_CORETYPE value to load OpenBLAS with instead of the kernel set
// it detected (openblas_get_corename()), or "" to keep that one. Only a set
// without AVX2 on a CPU that has AVX2 and FMA is replaced: a vector set
// OpenBLAS chose (Haswell on an AVX-512 machine, Zen on Zen 4/5) is its own
// judgement of the CPU and is left alone.
std::string BetterOpenBlasCore(const std::string& detected, const CpuVectorFeatures& cpu);

// Whether `core` is one of OpenBLAS's kernel sets with AVX2 or wider.
bool IsVectorOpenBlasCore(const std::string& core);

// Where the user set no OPENBLAS_CORETYPE and BetterOpenBlasCore names a set,
// reselects OpenBLAS's kernels in this process as its loader does, with
// OPENBLAS_CORETYPE set to that name (child processes inherit it), and
// returns the set OpenBLAS had detected ("" when nothing changed). Call it
// before the first BLAS call: the switch is not safe while one runs. An
// OpenBLAS without DYNAMIC_ARCH, which has one kernel set, is left as built.
std::string UseBetterOpenBlasKernels();

// What UseBetterOpenBlasKernels switched from in this process, or "".
const std::string& OpenBlasCoreDetected();

}  // namespace cnn
