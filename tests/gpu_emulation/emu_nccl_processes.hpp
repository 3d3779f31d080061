// NCCL ranks in different processes (ncclCommInitRank under mpirun) for the
// emulated NCCL: a clique lives in POSIX shared memory named after the
// unique id, a control block with a process-shared mutex and condition,
// and one data region per rank. A collective is two barriers: every rank
// writes its input to its own region and arrives (the last one checks that
// all made the same call), then every rank reads all regions, combines them
// in rank order (so every rank computes the same bits) and departs, after
// which the regions may be written again.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nccl.h"

namespace cnn_emu {

// What a rank asked a collective for.
struct NcclCall {
  bool broadcast = false;
  const void* send = nullptr;
  void* recv = nullptr;
  size_t count = 0;
  ncclDataType_t type = ncclFloat32;
  ncclRedOp_t op = ncclSum;
  int root = 0;
};

size_t NcclTypeBytes(ncclDataType_t type);
// The result of a collective over the ranks' inputs (host copies, rank
// order): the root's for a broadcast, the reduction otherwise.
ncclResult_t NcclCombine(const NcclCall& call, const std::vector<const void*>& inputs, std::vector<char>* out);
// Whether rank `rank`'s call of collective #`collective` is rank 0's
// (`first`): the same operation, count, type, operator or root. Says
// which differ on stderr when not.
bool NcclSameCall(const NcclCall& first, const NcclCall& call, int rank, unsigned long long collective);
// Whether the call's buffers are `device`'s memory of the call's size (the
// input only where it is read); says so on stderr when not.
bool NcclBuffersOnDevice(const NcclCall& call, int rank, int device, unsigned long long collective);
// The wait limit (CNN_EMU_NCCL_TIMEOUT seconds, default 120).
int NcclTimeoutSeconds();

class SharedClique;

// Joins (creating it if first) the clique of `id` as `rank` of `size` on
// `device`; waits for all ranks. nullptr and *result set on failure.
SharedClique* JoinSharedClique(const std::string& id, int size, int rank, int device, ncclResult_t* result);
ncclResult_t SharedCollective(SharedClique* clique, const NcclCall& call, const char* what);
void LeaveSharedClique(SharedClique* clique, bool abort);
int SharedCliqueSize(const SharedClique* clique);

}  // namespace cnn_emu
