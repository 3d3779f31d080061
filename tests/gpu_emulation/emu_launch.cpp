// Kernel launches on the emulated device. A block's threads run as fibers
// (ucontext) on the launching host thread, switched at __syncthreads and at
// warp shuffles, so barrier semantics hold exactly; blocks run one after
// another. A kernel whose first block never reaches a barrier runs its
// other blocks' threads as plain calls, which is what makes the emulation
// fast enough for the test suite.
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "cuda_emu.hpp"
#include "emu_memory.hpp"
#include "emu_runtime.hpp"

namespace cnn_emu {
namespace {

constexpr size_t kFiberStack = size_t{256} << 10;
constexpr unsigned kMaxThreadsPerBlock = 1024;

enum class FiberState { kReady, kAtBlockBarrier, kAtWarpBarrier, kDone };

struct Fiber {
  ucontext_t context;
  ThreadState state;
  FiberState run_state;
};

struct BlockRun {
  ucontext_t scheduler;
  std::vector<Fiber> fibers;
  std::vector<uint64_t> shuffle_slots;
  const std::function<void()>* body = nullptr;
  bool reached_barrier = false;
  Fiber* running = nullptr;
};

// Per host thread: fibers' stacks are mapped once and reused (untouched
// pages cost nothing).
struct HostThread {
  char* stacks = nullptr;
  BlockRun* block = nullptr;  // the block whose fibers run now, or null
  ThreadState* current = nullptr;
  ThreadState direct;  // the thread of a direct (fiber-less) run
  const char* kernel = "";
  const char* file = "";
  int line = 0;
  unsigned block_number = 0;
};
thread_local HostThread host;

char* Stacks() {
  if (host.stacks == nullptr) {
    void* m = mmap(nullptr, kFiberStack * kMaxThreadsPerBlock, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
      std::perror("cuda emulator: fiber stacks");
      std::abort();
    }
    host.stacks = static_cast<char*>(m);
  }
  return host.stacks;
}

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "cuda emulator: kernel %s (launched at %s:%d), block %u: %s\n", host.kernel, host.file,
               host.line, host.block_number, what);
  std::abort();
}

void FiberMain() {
  BlockRun* b = host.block;
  (*b->body)();
  b->running->run_state = FiberState::kDone;
  // Returning resumes uc_link, the scheduler.
}

void Yield(FiberState why) {
  BlockRun* b = host.block;
  if (b == nullptr) Fatal("a barrier or shuffle in a block after the first, which had none (the emulator runs "
                          "such blocks without fibers; a kernel whose barriers depend on the block is unsupported)");
  b->reached_barrier = true;
  Fiber* f = b->running;
  f->run_state = why;
  swapcontext(&f->context, &b->scheduler);
}

void SetGeometry(ThreadState* s, const Geometry& g, uint3 block, unsigned linear) {
  s->block_idx = block;
  s->block_dim = g.block;
  s->grid_dim = g.grid;
  s->linear = linear;
  s->thread_idx = {linear % g.block.x, linear / g.block.x % g.block.y, linear / (g.block.x * g.block.y)};
}

// Releases the waiting threads that may go on; false when none may
// (a deadlock: some lanes of a warp wait at a shuffle that others skip).
bool Release(BlockRun& b) {
  bool released = false;
  const size_t n = b.fibers.size();
  for (size_t warp = 0; warp < n; warp += 32) {
    const size_t end = std::min(n, warp + 32);
    bool all = true, any = false;
    for (size_t t = warp; t < end; ++t) {
      const FiberState s = b.fibers[t].run_state;
      if (s == FiberState::kAtWarpBarrier) any = true;
      else if (s != FiberState::kDone) all = false;
    }
    if (any && all) {
      for (size_t t = warp; t < end; ++t)
        if (b.fibers[t].run_state == FiberState::kAtWarpBarrier) b.fibers[t].run_state = FiberState::kReady;
      released = true;
    }
  }
  if (released) return true;
  bool all = true, any = false;
  for (const Fiber& f : b.fibers) {
    if (f.run_state == FiberState::kAtBlockBarrier) any = true;
    else if (f.run_state != FiberState::kDone) all = false;
  }
  if (any && all) {
    for (Fiber& f : b.fibers)
      if (f.run_state == FiberState::kAtBlockBarrier) f.run_state = FiberState::kReady;
    return true;
  }
  return false;
}

void InitFiber(Fiber* f, char* stack, ucontext_t* scheduler) {
  f->run_state = FiberState::kReady;
  getcontext(&f->context);
  f->context.uc_stack.ss_sp = stack;
  f->context.uc_stack.ss_size = kFiberStack;
  f->context.uc_link = scheduler;
  makecontext(&f->context, FiberMain, 0);
}

// Runs one block as fibers; true when a thread reached a barrier.
bool RunBlockAsFibers(const Geometry& g, uint3 block, unsigned threads, const std::function<void()>& body) {
  BlockRun b;
  b.body = &body;
  b.fibers.resize(threads);
  b.shuffle_slots.assign(threads, 0);
  char* stacks = Stacks();
  for (unsigned t = 0; t < threads; ++t) {
    Fiber& f = b.fibers[t];
    SetGeometry(&f.state, g, block, t);
    InitFiber(&f, stacks + t * kFiberStack, &b.scheduler);
  }
  host.block = &b;
  for (;;) {
    bool any_ready = false;
    for (Fiber& f : b.fibers) {
      if (f.run_state != FiberState::kReady) continue;
      any_ready = true;
      b.running = &f;
      host.current = &f.state;
      swapcontext(&b.scheduler, &f.context);
    }
    bool all_done = true;
    for (const Fiber& f : b.fibers) all_done = all_done && f.run_state == FiberState::kDone;
    if (all_done) break;
    if (!Release(b) && !any_ready) Fatal("threads wait at barriers that others never reach (a divergent "
                                         "__syncthreads or shuffle)");
  }
  host.block = nullptr;
  host.current = nullptr;
  return b.reached_barrier;
}

}  // namespace

ThreadState& Current() {
  if (host.current == nullptr) {
    std::fprintf(stderr, "cuda emulator: threadIdx/blockIdx read outside a kernel\n");
    std::abort();
  }
  return *host.current;
}

void HostPointerArgument(const char* kernel, const char* file, int line, int index, const void* p) {
  std::fprintf(stderr, "cuda emulator: kernel %s (launched at %s:%d) given %p as argument %d, which is not device "
               "memory\n", kernel, file, line, p, index);
  std::abort();
}

void OtherDeviceArgument(const char* kernel, const char* file, int line, int index, const void* p, int owner) {
  std::fprintf(stderr, "cuda emulator: kernel %s (launched at %s:%d on device %d) given %p as argument %d, which is "
               "device %d's memory\n", kernel, file, line, CurrentDevice(), p, index, owner);
  std::abort();
}

void BlockBarrier() { Yield(FiberState::kAtBlockBarrier); }
void WarpBarrier() { Yield(FiberState::kAtWarpBarrier); }

uint64_t* ShuffleSlots() {
  if (host.block == nullptr) Fatal("a shuffle outside a fiber block");
  return host.block->shuffle_slots.data();
}

void RunGrid(const Geometry& g, const char* kernel, const char* file, int line, const std::function<void()>& body) {
  const unsigned long long threads = static_cast<unsigned long long>(g.block.x) * g.block.y * g.block.z;
  const unsigned long long blocks = static_cast<unsigned long long>(g.grid.x) * g.grid.y * g.grid.z;
  // A GPU refuses these launches; the error shows at cudaPeekAtLastError.
  if (threads == 0 || threads > kMaxThreadsPerBlock || blocks == 0 || g.grid.x > 2147483647u || g.grid.y > 65535u ||
      g.grid.z > 65535u || g.block.z > 64u) {
    SetLaunchError(cudaErrorInvalidConfiguration);
    return;
  }
  if (g.shared_bytes > 48 * 1024) {
    SetLaunchError(cudaErrorInvalidValue);
    return;
  }
  if (host.block != nullptr) Fatal("a launch from inside a kernel");
  const char* saved_kernel = host.kernel;
  host.kernel = kernel;
  host.file = file;
  host.line = line;
  DeviceAccess access;
  SetRunningKernel(kernel, file, line);
  bool direct = false;
  unsigned long long number = 0;
  for (unsigned z = 0; z < g.grid.z; ++z)
    for (unsigned y = 0; y < g.grid.y; ++y)
      for (unsigned x = 0; x < g.grid.x; ++x, ++number) {
        host.block_number = static_cast<unsigned>(number);
        const uint3 block{x, y, z};
        if (!direct) {
          direct = !RunBlockAsFibers(g, block, static_cast<unsigned>(threads), body);
          continue;
        }
        host.current = &host.direct;
        for (unsigned t = 0; t < threads; ++t) {
          SetGeometry(&host.direct, g, block, t);
          body();
        }
        host.current = nullptr;
      }
  SetRunningKernel(nullptr, nullptr, 0);
  host.kernel = saved_kernel;
}

}  // namespace cnn_emu
