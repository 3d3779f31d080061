// CNN_HD marks a small inline function that both the CPU loop (compiled as
// plain C++) and a CUDA kernel (compiled by nvcc) call, so a layer's formula
// is written once and the two devices cannot drift apart.
#pragma once

#ifdef __CUDACC__
#define CNN_HD __host__ __device__ __forceinline__
#else
#define CNN_HD inline
#endif
