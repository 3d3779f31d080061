// Whether the non-BLAS loops of the compute layers (im2col, pooling) run as
// OpenMP parallel regions.
#pragma once

#include <cstdint>

namespace cnn {

// True when a loop over `work` elements should be an OpenMP parallel region:
// it is big enough, OpenMP has more than one thread, and the region cannot
// fight OpenBLAS's threads for the cores. With a multi-threaded OpenBLAS and
// libgomp's default (active) wait policy, the workers of a finished region
// keep spinning for milliseconds on the cores the next sgemm needs, which
// made whole convolutions several times slower on 2 cores; regions are
// therefore used only when OpenBLAS is single-threaded or the process runs
// with OMP_WAIT_POLICY=passive.
bool ParallelLoopPays(int64_t work);

}  // namespace cnn
