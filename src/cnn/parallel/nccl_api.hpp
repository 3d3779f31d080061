// NCCL, opened with dlopen on first multi-GPU use, as cuBLAS is
// (gpu/cublas_api.hpp): libnccl is over 200 MiB of GPU kernels for every
// architecture, which a linked build would map into every process, CPU runs
// and single-GPU runs included; this way only `--gpu=0,1`, `--gpu=all` and
// `--gpu=local` load it, and a machine without it fails only those, with a
// message naming the file. The function types come from nccl.h, so calls
// through the table are checked like direct ones. Built with CNN_WITH_NCCL.
#pragma once

#include <nccl.h>

namespace cnn {
namespace parallel {

struct NcclApi {
  decltype(&::ncclGetVersion) GetVersion;
  decltype(&::ncclGetUniqueId) GetUniqueId;
  decltype(&::ncclCommInitRank) CommInitRank;
  decltype(&::ncclCommInitAll) CommInitAll;
  decltype(&::ncclCommDestroy) CommDestroy;
  decltype(&::ncclCommAbort) CommAbort;
  decltype(&::ncclAllReduce) AllReduce;
  decltype(&::ncclBroadcast) Broadcast;
  decltype(&::ncclGetErrorString) GetErrorString;
};

// The loaded table. Throws Error naming the library and the loader's message
// when NCCL cannot be found or lacks a symbol.
const NcclApi& NcclLib();

}  // namespace parallel
}  // namespace cnn

// A failed NCCL call becomes a cnn::Error naming the call and NCCL's text.
#define CNN_NCCL_CHECK(call)                                                                              \
  do {                                                                                                    \
    const ncclResult_t cnn_nccl_ = (call);                                                                \
    CNN_CHECK(cnn_nccl_ == ncclSuccess, #call << " failed: " << ::cnn::parallel::NcclLib().GetErrorString(cnn_nccl_)); \
  } while (0)
