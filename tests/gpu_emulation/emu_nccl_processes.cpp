// The emulated NCCL between processes (emu_nccl_processes.hpp).
#include "emu_nccl_processes.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "emu_memory.hpp"

namespace cnn_emu {
namespace {

constexpr int kMaxRanks = 64;

struct CallMeta {
  int broadcast;
  int type;
  int op;
  int root;
  unsigned long long count;
  int bad_buffers;  // the rank's buffers are not its device's memory
};

struct Control {
  std::atomic<int> ready;  // set once the creator has initialised the rest
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  int size;
  int joined;
  int left;
  int aborted;
  int devices[kMaxRanks];
  // The barrier under way: who has arrived, and how many barriers ended.
  int arrived;
  int here[kMaxRanks];
  unsigned long long generation;
  unsigned long long collectives;
  int result;  // the last checked collective's, for every rank
  CallMeta calls[kMaxRanks];
};

// The call as rank 0's process sees another's (no pointers: they are the
// other process's).
NcclCall FromMeta(const CallMeta& m) {
  NcclCall call;
  call.broadcast = m.broadcast != 0;
  call.count = m.count;
  call.type = static_cast<ncclDataType_t>(m.type);
  call.op = static_cast<ncclRedOp_t>(m.op);
  call.root = m.root;
  return call;
}

std::string ShmName(const std::string& id, const char* suffix) {
  std::string name = "/cnn-emu-nccl-";
  for (char ch : id) name += (ch == '/' || ch == ':') ? '-' : ch;
  return name + suffix;
}

std::string RegionName(const std::string& id, int rank) { return ShmName(id, ("-r" + std::to_string(rank)).c_str()); }

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::abort();
}

}  // namespace

class SharedClique {
 public:
  std::string id;
  Control* control = nullptr;
  int rank = 0;
  int region = -1;  // this rank's data region
  size_t region_bytes = 0;
  unsigned long long done = 0;  // collectives this rank completed

  // Waits at a barrier of all ranks; `on_last` runs, under the lock, in the
  // rank that arrives last. False when the clique was aborted.
  template <typename OnLast>
  bool Barrier(const char* what, OnLast on_last) {
    Control& c = *control;
    pthread_mutex_lock(&c.mutex);
    const unsigned long long generation = c.generation;
    c.here[rank] = 1;
    if (++c.arrived == c.size) {
      on_last();
      c.arrived = 0;
      std::memset(c.here, 0, sizeof c.here);
      ++c.generation;
      pthread_cond_broadcast(&c.changed);
    } else {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(NcclTimeoutSeconds());
      while (c.generation == generation && !c.aborted) {
        if (std::chrono::steady_clock::now() > deadline) Hung(what);
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&c.changed, &c.mutex, &ts);
      }
    }
    const bool ok = !c.aborted;
    pthread_mutex_unlock(&c.mutex);
    return ok;
  }

  [[noreturn]] void Hung(const char* what) {
    std::string missing;
    for (int r = 0; r < control->size; ++r) {
      if (!control->here[r]) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    }
    std::fprintf(stderr,
                 "cuda emulator: NCCL rank %d of %d (process %ld) waited %d s in %s (collective #%llu) for rank(s) %s, "
                 "which never called it\n",
                 rank, control->size, static_cast<long>(getpid()), NcclTimeoutSeconds(), what, done, missing.c_str());
    std::abort();
  }
};

SharedClique* JoinSharedClique(const std::string& id, int size, int rank, int device, ncclResult_t* result) {
  if (size > kMaxRanks) {
    *result = ncclInvalidArgument;
    return nullptr;
  }
  const std::string name = ShmName(id, "");
  int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  const bool creator = fd >= 0;
  if (creator) {
    if (ftruncate(fd, sizeof(Control)) != 0) Die("cuda emulator: NCCL ftruncate");
  } else {
    // Another rank creates it; wait until it exists and has its size.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(NcclTimeoutSeconds());
    for (;;) {
      fd = shm_open(name.c_str(), O_RDWR, 0600);
      struct stat st;
      if (fd >= 0 && fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= sizeof(Control)) break;
      if (fd >= 0) close(fd);
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "cuda emulator: NCCL rank %d: the clique %s never appeared\n", rank, name.c_str());
        std::abort();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void* m = mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) Die("cuda emulator: NCCL mmap");
  auto* c = static_cast<Control*>(m);
  if (creator) {
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&c->mutex, &ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&c->changed, &ca);
    c->size = size;
    for (int r = 0; r < kMaxRanks; ++r) c->devices[r] = -1;
    c->ready.store(1);
  } else {
    while (c->ready.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto* clique = new SharedClique;
  clique->id = id;
  clique->control = c;
  clique->rank = rank;
  pthread_mutex_lock(&c->mutex);
  const bool bad = c->size != size || c->devices[rank] >= 0;
  if (!bad) {
    c->devices[rank] = device;
    ++c->joined;
  }
  pthread_mutex_unlock(&c->mutex);
  if (bad) {
    *result = ncclInvalidUsage;
    return nullptr;
  }
  clique->region = shm_open(RegionName(id, rank).c_str(), O_CREAT | O_RDWR, 0600);
  if (clique->region < 0) Die("cuda emulator: NCCL shm_open");
  // Joining is collective: every rank waits for the others.
  clique->Barrier("ncclCommInitRank (every rank must join; are they in one mpirun?)", [] {});
  *result = ncclSuccess;
  return clique;
}

int SharedCliqueSize(const SharedClique* clique) { return clique->control->size; }

ncclResult_t SharedCollective(SharedClique* clique, const NcclCall& call, const char* what) {
  Control& c = *clique->control;
  const int rank = clique->rank;
  const size_t bytes = call.count * NcclTypeBytes(call.type);
  const bool send_needed = !call.broadcast || rank == call.root;
  const bool bad = !NcclBuffersOnDevice(call, rank, c.devices[rank], clique->done);
  // 1. This rank's input into its region (every rank finished reading the
  // previous one at the last departure barrier).
  if (!bad && send_needed && bytes > 0) {
    if (bytes > clique->region_bytes) {
      if (ftruncate(clique->region, static_cast<off_t>(bytes)) != 0) Die("cuda emulator: NCCL ftruncate");
      clique->region_bytes = bytes;
    }
    DeviceAccess access;
    if (pwrite(clique->region, call.send, bytes, 0) != static_cast<ssize_t>(bytes)) Die("cuda emulator: NCCL pwrite");
  }
  // 2. Arrival: the last rank checks that every rank made the same call.
  CallMeta mine{call.broadcast, static_cast<int>(call.type), static_cast<int>(call.op), call.root,
                static_cast<unsigned long long>(call.count), bad};
  pthread_mutex_lock(&c.mutex);
  c.calls[rank] = mine;
  pthread_mutex_unlock(&c.mutex);
  bool ok = clique->Barrier(what, [&] {
    c.result = ncclSuccess;
    const NcclCall first = FromMeta(c.calls[0]);
    for (int r = 0; r < c.size; ++r) {
      if (c.calls[r].bad_buffers) c.result = ncclInvalidArgument;
      if (r > 0 && !NcclSameCall(first, FromMeta(c.calls[r]), r, c.collectives)) c.result = ncclInvalidUsage;
    }
    ++c.collectives;
  });
  if (!ok) return ncclRemoteError;
  pthread_mutex_lock(&c.mutex);
  ncclResult_t result = static_cast<ncclResult_t>(c.result);
  pthread_mutex_unlock(&c.mutex);
  // 3. Every rank combines all inputs, in rank order.
  if (result == ncclSuccess && bytes > 0) {
    std::vector<std::vector<char>> copies(c.size);
    std::vector<const void*> inputs(c.size, nullptr);
    for (int r = 0; r < c.size; ++r) {
      if (call.broadcast && r != call.root) continue;
      const int fd = shm_open(RegionName(clique->id, r).c_str(), O_RDONLY, 0600);
      copies[r].resize(bytes);
      if (fd < 0 || pread(fd, copies[r].data(), bytes, 0) != static_cast<ssize_t>(bytes)) {
        Die("cuda emulator: NCCL reading another rank's input");
      }
      close(fd);
      inputs[r] = copies[r].data();
    }
    std::vector<char> out;
    result = NcclCombine(call, inputs, &out);
    if (result == ncclSuccess) {
      DeviceAccess access;
      std::memcpy(call.recv, out.data(), bytes);
    }
  }
  // 4. Departure: the regions may be rewritten after it.
  ok = clique->Barrier(what, [] {});
  ++clique->done;
  return ok ? result : ncclRemoteError;
}

void LeaveSharedClique(SharedClique* clique, bool abort) {
  Control& c = *clique->control;
  pthread_mutex_lock(&c.mutex);
  if (abort) {
    c.aborted = 1;
    pthread_cond_broadcast(&c.changed);
  }
  const bool last = ++c.left == c.size;
  pthread_mutex_unlock(&c.mutex);
  // No rank reads this region any more: every collective ended with a
  // departure barrier.
  close(clique->region);
  shm_unlink(RegionName(clique->id, clique->rank).c_str());
  munmap(clique->control, sizeof(Control));
  if (last) shm_unlink(ShmName(clique->id, "").c_str());
  delete clique;
}

}  // namespace cnn_emu
