// CNN_SIMD_CLONES before a function makes GCC compile it three times, for
// x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline (SSE2), and pick the
// widest the CPU runs at load time (an ifunc). The build targets the baseline
// so the binary runs on any x86-64; without this, our own vector loops use
// 4-wide SSE registers on machines with 16-wide AVX-512 ones, while OpenBLAS
// already picks its kernels at run time.
//
// Put it on small leaf functions that hold the hot loop: the clones cover the
// function's own body only (an OpenMP region inside it is outlined before the
// cloning, and would stay baseline). GCC contracts a * b + c into one fused
// multiply-add where the clone's ISA has it (v3, v4), so results may differ
// from the baseline's in the last bit; one machine always runs the same
// clone, so a run repeats exactly there.
//
// Clang (the sanitizer and fuzzing builds) and other targets get the baseline.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__CUDACC__)
#define CNN_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CNN_SIMD_CLONES
#endif
