// NCCL for the emulated devices (include/nccl.h): the ranks of a clique are
// host threads of this process, each on its own emulated device. A
// collective waits until every rank has called it, checks that they agree
// (the same operation, count, type, operator and root: NCCL itself would
// hang or mix buffers otherwise) and that each rank's buffers are its own
// device's memory, then computes the result in rank order and writes it to
// every rank's output.
//
// NCCL enqueues a collective and returns; here the call blocks until the
// last rank arrives (the emulated streams complete work as it is issued).
// Code whose ranks wait for each other on the host between collectives in
// a different order would deadlock here and not with NCCL: a rank that waits
// longer than CNN_EMU_NCCL_TIMEOUT seconds (default 120) names the ranks
// missing and the process aborts, which is what to look at then.
// ncclCommInitAll's ranks share a clique in this process; ncclCommInitRank's
// (mpirun ... --gpu=local) meet in shared memory (emu_nccl_processes.hpp).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "emu_memory.hpp"
#include "emu_nccl_processes.hpp"
#include "nccl.h"

namespace cnn_emu {

size_t NcclTypeBytes(ncclDataType_t t) {
  switch (t) {
    case ncclInt8:
    case ncclUint8:
      return 1;
    case ncclFloat16:
      return 2;
    case ncclInt32:
    case ncclUint32:
    case ncclFloat32:
      return 4;
    case ncclInt64:
    case ncclUint64:
    case ncclFloat64:
      return 8;
  }
  return 0;
}

namespace {

template <typename T>
void Reduce(const std::vector<const void*>& inputs, size_t n, ncclRedOp_t op, std::vector<char>* out) {
  std::vector<T> acc(n);
  for (size_t r = 0; r < inputs.size(); ++r) {
    const T* in = static_cast<const T*>(inputs[r]);
    for (size_t i = 0; i < n; ++i) {
      if (r == 0) {
        acc[i] = in[i];
      } else if (op == ncclSum || op == ncclAvg) {
        acc[i] += in[i];
      } else if (op == ncclProd) {
        acc[i] *= in[i];
      } else if (op == ncclMax) {
        acc[i] = std::max(acc[i], in[i]);
      } else {
        acc[i] = std::min(acc[i], in[i]);
      }
    }
  }
  if (op == ncclAvg) {
    for (T& v : acc) v /= static_cast<T>(inputs.size());
  }
  out->resize(n * sizeof(T));
  std::memcpy(out->data(), acc.data(), out->size());
}

}  // namespace

ncclResult_t NcclCombine(const NcclCall& call, const std::vector<const void*>& inputs, std::vector<char>* out) {
  if (call.broadcast) {
    const char* src = static_cast<const char*>(inputs[call.root]);
    out->assign(src, src + call.count * NcclTypeBytes(call.type));
    return ncclSuccess;
  }
  switch (call.type) {
    case ncclFloat32:
      Reduce<float>(inputs, call.count, call.op, out);
      return ncclSuccess;
    case ncclFloat64:
      Reduce<double>(inputs, call.count, call.op, out);
      return ncclSuccess;
    case ncclInt32:
      Reduce<int32_t>(inputs, call.count, call.op, out);
      return ncclSuccess;
    case ncclInt64:
      Reduce<int64_t>(inputs, call.count, call.op, out);
      return ncclSuccess;
    default:
      std::fprintf(stderr, "cuda emulator: NCCL all-reduce of type %d is not emulated\n", static_cast<int>(call.type));
      return ncclInvalidArgument;
  }
}

bool NcclSameCall(const NcclCall& first, const NcclCall& k, int rank, unsigned long long collective) {
  if (k.broadcast == first.broadcast && k.count == first.count && k.type == first.type &&
      (k.broadcast || k.op == first.op) && (!k.broadcast || k.root == first.root)) {
    return true;
  }
  std::fprintf(stderr,
               "cuda emulator: NCCL collective #%llu: rank 0 called %s of %zu elements (type %d, operator %d, root %d), "
               "rank %d %s of %zu (type %d, operator %d, root %d): every rank must make the same call\n",
               collective, first.broadcast ? "a broadcast" : "an all-reduce", first.count, static_cast<int>(first.type),
               static_cast<int>(first.op), first.root, rank, k.broadcast ? "a broadcast" : "an all-reduce", k.count,
               static_cast<int>(k.type), static_cast<int>(k.op), k.root);
  return false;
}

bool NcclBuffersOnDevice(const NcclCall& k, int rank, int device, unsigned long long collective) {
  const size_t bytes = k.count * NcclTypeBytes(k.type);
  const bool send_needed = !k.broadcast || rank == k.root;
  if ((!send_needed || (IsDeviceRange(k.send, bytes) && DeviceOf(k.send) == device)) &&
      IsDeviceRange(k.recv, bytes) && DeviceOf(k.recv) == device) {
    return true;
  }
  std::fprintf(stderr,
               "cuda emulator: NCCL collective #%llu: rank %d's buffers (%p -> %p, %zu bytes) are not memory of its "
               "device %d\n",
               collective, rank, k.send, k.recv, bytes, device);
  return false;
}

int NcclTimeoutSeconds() {
  const char* v = std::getenv("CNN_EMU_NCCL_TIMEOUT");
  const int s = v ? std::atoi(v) : 120;
  return s > 0 ? s : 120;
}

}  // namespace cnn_emu

namespace {

using Call = cnn_emu::NcclCall;

struct Clique {
  explicit Clique(int n) : size(n), devices(n, -1), calls(n), called(n, false) {}

  const int size;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> devices;  // each rank's device, once it joined
  int joined = 0;
  bool aborted = false;
  uint64_t done = 0;  // collectives completed
  ncclResult_t last_result = ncclSuccess;  // the last completed collective's, for every rank
  std::vector<Call> calls;
  std::vector<bool> called;  // which ranks have called the collective under way
};

std::chrono::seconds Timeout() { return std::chrono::seconds(cnn_emu::NcclTimeoutSeconds()); }

[[noreturn]] void Hung(const Clique& c, int rank, const char* what) {
  std::string missing;
  for (int r = 0; r < c.size; ++r) {
    if (!c.called[r]) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
  }
  std::fprintf(stderr,
               "cuda emulator: NCCL rank %d of %d waited %lld s in %s (collective #%llu) for rank(s) %s, which never "
               "called it\n",
               rank, c.size, static_cast<long long>(Timeout().count()), what,
               static_cast<unsigned long long>(c.done), missing.c_str());
  std::abort();
}

// Runs the collective all ranks have called: checks, then the result.
ncclResult_t Complete(Clique& c) {
  const Call& first = c.calls[0];
  for (int r = 1; r < c.size; ++r) {
    if (!cnn_emu::NcclSameCall(first, c.calls[r], r, c.done)) return ncclInvalidUsage;
  }
  const size_t bytes = first.count * cnn_emu::NcclTypeBytes(first.type);
  for (int r = 0; r < c.size; ++r) {
    if (!cnn_emu::NcclBuffersOnDevice(c.calls[r], r, c.devices[r], c.done)) return ncclInvalidArgument;
  }
  cnn_emu::DeviceAccess access;
  std::vector<const void*> inputs;
  for (const Call& k : c.calls) inputs.push_back(k.send);
  std::vector<char> result;
  const ncclResult_t combined = cnn_emu::NcclCombine(first, inputs, &result);
  if (combined != ncclSuccess) return combined;
  for (int r = 0; r < c.size; ++r) std::memcpy(c.calls[r].recv, result.data(), bytes);
  return ncclSuccess;
}

}  // namespace

struct ncclComm {
  std::shared_ptr<Clique> clique;            // ncclCommInitAll's, in this process
  cnn_emu::SharedClique* shared = nullptr;  // ncclCommInitRank's, in shared memory
  int rank;
};

namespace {

ncclResult_t Collective(ncclComm_t comm, const Call& call, const char* what) {
  if (comm == nullptr) return ncclInvalidArgument;
  if (comm->shared) return cnn_emu::SharedCollective(comm->shared, call, what);
  Clique& c = *comm->clique;
  std::unique_lock<std::mutex> lock(c.mutex);
  if (c.aborted) return ncclRemoteError;
  c.calls[comm->rank] = call;
  c.called[comm->rank] = true;
  const bool last = std::count(c.called.begin(), c.called.end(), true) == c.size;
  if (last) {
    c.last_result = Complete(c);
    std::fill(c.called.begin(), c.called.end(), false);
    ++c.done;
    c.changed.notify_all();
    return c.last_result;
  }
  const uint64_t mine = c.done;
  if (!c.changed.wait_for(lock, Timeout(), [&] { return c.done != mine || c.aborted; })) Hung(c, comm->rank, what);
  return c.aborted ? ncclRemoteError : c.last_result;
}

}  // namespace

extern "C" {

ncclResult_t ncclGetVersion(int* version) {
  if (version == nullptr) return ncclInvalidArgument;
  *version = NCCL_VERSION_CODE;
  return ncclSuccess;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId* id) {
  if (id == nullptr) return ncclInvalidArgument;
  static std::mutex m;
  static unsigned long long next = 0;
  std::lock_guard<std::mutex> lock(m);
  std::memset(id, 0, sizeof *id);
  std::snprintf(id->internal, sizeof id->internal, "cnn-emu-nccl:%ld:%llu", static_cast<long>(getpid()), ++next);
  return ncclSuccess;
}

ncclResult_t ncclCommInitAll(ncclComm_t* comms, int ndev, const int* devlist) {
  if (comms == nullptr || ndev < 1) return ncclInvalidArgument;
  auto clique = std::make_shared<Clique>(ndev);
  std::set<int> seen;
  for (int r = 0; r < ndev; ++r) {
    const int d = devlist ? devlist[r] : r;
    if (d < 0 || d >= cnn_emu::DeviceCount()) return ncclInvalidArgument;
    // NCCL refuses two ranks of one communicator on one GPU.
    if (!seen.insert(d).second) return ncclInvalidUsage;
    clique->devices[r] = d;
  }
  clique->joined = ndev;
  for (int r = 0; r < ndev; ++r) comms[r] = new ncclComm{clique, nullptr, r};
  return ncclSuccess;
}

ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId id, int rank) {
  if (comm == nullptr || nranks < 1 || rank < 0 || rank >= nranks) return ncclInvalidArgument;
  const std::string key(id.internal, strnlen(id.internal, sizeof id.internal));
  ncclResult_t result = ncclSuccess;
  cnn_emu::SharedClique* shared = cnn_emu::JoinSharedClique(key, nranks, rank, cnn_emu::CurrentDevice(), &result);
  if (shared == nullptr) return result;
  *comm = new ncclComm{nullptr, shared, rank};
  return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
  if (comm != nullptr && comm->shared) cnn_emu::LeaveSharedClique(comm->shared, false);
  delete comm;
  return ncclSuccess;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) {
  if (comm == nullptr) return ncclSuccess;
  if (comm->shared) {
    cnn_emu::LeaveSharedClique(comm->shared, true);
    delete comm;
    return ncclSuccess;
  }
  {
    std::lock_guard<std::mutex> lock(comm->clique->mutex);
    comm->clique->aborted = true;
    comm->clique->changed.notify_all();
  }
  delete comm;
  return ncclSuccess;
}

ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype,
                           ncclRedOp_t op, ncclComm_t comm, cudaStream_t) {
  Call call;
  call.send = sendbuff;
  call.recv = recvbuff;
  call.count = count;
  call.type = datatype;
  call.op = op;
  return Collective(comm, call, "ncclAllReduce");
}

ncclResult_t ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root,
                           ncclComm_t comm, cudaStream_t) {
  if (comm != nullptr && (root < 0 || root >= (comm->shared ? cnn_emu::SharedCliqueSize(comm->shared) : comm->clique->size)))
    return ncclInvalidArgument;
  Call call;
  call.broadcast = true;
  call.send = sendbuff;
  call.recv = recvbuff;
  call.count = count;
  call.type = datatype;
  call.root = root;
  return Collective(comm, call, "ncclBroadcast");
}

const char* ncclGetErrorString(ncclResult_t result) {
  switch (result) {
    case ncclSuccess:
      return "no error";
    case ncclUnhandledCudaError:
      return "unhandled cuda error";
    case ncclSystemError:
      return "unhandled system error";
    case ncclInternalError:
      return "internal error";
    case ncclInvalidArgument:
      return "invalid argument";
    case ncclInvalidUsage:
      return "invalid usage";
    case ncclRemoteError:
      return "remote process exited or there was a network error";
    case ncclInProgress:
      return "NCCL operation in progress";
  }
  return "unknown result code";
}

}  // extern "C"
