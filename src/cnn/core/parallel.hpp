// One thread policy for every CPU pool of the process (OpenBLAS, our OpenMP
// regions, and any engine that runs its own, such as oneDNN, which reads
// ThreadCount()), and whether the non-BLAS loops of the compute layers
// (im2col, pooling) run as OpenMP parallel regions.
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

// Sets OpenBLAS's and OpenMP's thread counts to one number, so neither pool
// sizes itself on its own and the two together never ask for more threads
// than the cores they were given. `requested` > 0 is taken as it is (the
// --threads flag); 0 takes OMP_NUM_THREADS (its first entry) when it is set,
// else OPENBLAS_NUM_THREADS, else the cores this process may run on. Throws
// Error for a malformed variable or a negative request. Returns the count
// applied.
int SetThreadCount(int requested);

// The count the last SetThreadCount applied; before any call, what a call
// with 0 would apply (OMP_NUM_THREADS or the cores).
int ThreadCount();

// Where ThreadCount() came from: "--threads", "OMP_NUM_THREADS",
// "OPENBLAS_NUM_THREADS" or "cores".
const std::string& ThreadCountSource();

// True when a loop over `work` elements should be an OpenMP parallel region:
// it is big enough, OpenMP has more than one thread, and the region cannot
// fight OpenBLAS's threads for the cores. With a multi-threaded OpenBLAS and
// libgomp's default (active) wait policy, the workers of a finished region
// keep spinning for milliseconds on the cores the next sgemm needs, which
// made whole convolutions several times slower on 2 cores; regions are
// therefore used only when OpenBLAS is single-threaded or the process runs
// with OMP_WAIT_POLICY=passive. No BLAS call may sit inside such a region:
// OpenBLAS (the pthread build) would start its full pool from each of the
// region's threads, threads x threads in all.
bool ParallelLoopPays(int64_t work);

}  // namespace cnn
