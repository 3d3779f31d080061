#include "emu_memory.hpp"

#include <execinfo.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace cnn_emu {
namespace {

struct Allocation {
  char* mapping;        // start of the mapping (page-aligned)
  size_t data_pages;    // bytes of the readable part, whole pages
  size_t bytes;         // what cudaMalloc was asked for
  int device;           // the device current when it was allocated
};

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

struct State {
  std::mutex mutex;
  std::map<const char*, Allocation> by_start;  // keyed by the pointer handed out
  size_t in_use = 0;
  int open_scopes = 0;
};
State& Memory() {
  static State* s = new State;  // never destroyed: tests' static destructors may still free
  return *s;
}

thread_local int current_device = 0;
thread_local const char* running_kernel = nullptr;
thread_local const char* running_file = nullptr;
thread_local int running_line = 0;

void Protect(const Allocation& a, int prot) {
  if (a.data_pages > 0 && mprotect(a.mapping, a.data_pages, prot) != 0) {
    std::perror("cuda emulator: mprotect");
    std::abort();
  }
}

const Allocation* Find(const char* p, const char** start) {
  State& s = Memory();
  auto it = s.by_start.upper_bound(p);
  if (it == s.by_start.begin()) return nullptr;
  --it;
  // The guard page after the data belongs to the allocation too: a fault
  // there is a kernel running off its buffer's end.
  if (p < it->second.mapping || p >= it->second.mapping + it->second.data_pages + PageSize()) return nullptr;
  *start = it->first;
  return &it->second;
}

void OnFault(int sig, siginfo_t* info, void*) {
  const char* addr = static_cast<const char*>(info->si_addr);
  char line[512];
  const char* start = nullptr;
  const Allocation* a = Find(addr, &start);  // no lock: the process is dying anyway
  int n;
  if (a != nullptr && running_kernel != nullptr) {
    n = std::snprintf(line, sizeof line,
                      "cuda emulator: kernel %s (launched at %s:%d) touched byte %td of a %zu-byte device buffer\n",
                      running_kernel, running_file, running_line, addr - start, a->bytes);
  } else if (a != nullptr) {
    n = std::snprintf(line, sizeof line,
                      "cuda emulator: host code touched device memory (byte %td of a %zu-byte buffer): a device "
                      "pointer was read on the host\n",
                      addr - start, a->bytes);
  } else if (running_kernel != nullptr) {
    n = std::snprintf(line, sizeof line, "cuda emulator: kernel %s (launched at %s:%d) faulted at %p\n",
                      running_kernel, running_file, running_line, static_cast<const void*>(addr));
  } else {
    n = std::snprintf(line, sizeof line, "cuda emulator: segmentation fault at %p outside device memory\n",
                      static_cast<const void*>(addr));
  }
  if (n > 0) {
    ssize_t ignored = write(STDERR_FILENO, line, static_cast<size_t>(n));
    (void)ignored;
  }
  void* frames[64];
  backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallFaultHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Its own stack, so a fiber that overflows its stack is reported too.
    static char alt_stack[1 << 16];
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    sigaltstack(&ss, nullptr);
    struct sigaction sa {};
    sa.sa_sigaction = OnFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, nullptr);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace

void* DeviceAllocate(size_t bytes) {
  InstallFaultHandler();
  State& s = Memory();
  const size_t page = PageSize();
  const size_t data_pages = (bytes + page - 1) / page * page;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.in_use + bytes > kDeviceBytes) return nullptr;
  void* m = mmap(nullptr, data_pages + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
  if (m == MAP_FAILED) return nullptr;
  char* mapping = static_cast<char*>(m);
  // The buffer ends where the guard page starts, 16-byte aligned (cnn's
  // kernels need no more than float4 alignment).
  const size_t offset = bytes == 0 ? data_pages : (data_pages - bytes) / 16 * 16;
  char* start = mapping + offset;
  // The fill touches what it fills: at most the first 64 MiB (a test that
  // takes the whole device behind the allocator's back stays cheap).
  std::memset(mapping, 0xFF, std::min(data_pages, size_t{64} << 20));
  Allocation a{mapping, data_pages, bytes, current_device};
  mprotect(mapping + data_pages, page, PROT_NONE);
  if (s.open_scopes == 0) Protect(a, PROT_NONE);
  s.by_start.emplace(start, a);
  s.in_use += bytes;
  return start;
}

bool DeviceFree(void* p) {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.by_start.find(static_cast<const char*>(p));
  if (it == s.by_start.end()) return false;
  munmap(it->second.mapping, it->second.data_pages + PageSize());
  s.in_use -= it->second.bytes;
  s.by_start.erase(it);
  return true;
}

bool IsDevicePointer(const void* p) { return IsDeviceRange(p, 0); }

int DeviceOf(const void* p) {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  const char* c = static_cast<const char*>(p);
  auto it = s.by_start.upper_bound(c);
  if (it == s.by_start.begin()) return -1;
  --it;
  return c >= it->first && c <= it->first + it->second.bytes ? it->second.device : -1;
}

int DeviceCount() {
  static const int count = [] {
    const char* v = std::getenv("CNN_EMU_DEVICES");
    const int n = v ? std::atoi(v) : 1;
    return n >= 1 && n <= 8 ? n : 1;
  }();
  return count;
}

int CurrentDevice() { return current_device; }
void SetCurrentDevice(int device) { current_device = device; }

bool IsDeviceRange(const void* p, size_t bytes) {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  const char* c = static_cast<const char*>(p);
  auto it = s.by_start.upper_bound(c);
  if (it == s.by_start.begin()) return false;
  --it;
  const char* end = it->first + it->second.bytes;
  // A pointer one past the end is a valid (empty) range, as in C++.
  return c >= it->first && c <= end && bytes <= static_cast<size_t>(end - c);
}

size_t DeviceBytesInUse() {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.in_use;
}

DeviceAccess::DeviceAccess() {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.open_scopes++ == 0)
    for (const auto& kv : s.by_start) Protect(kv.second, PROT_READ | PROT_WRITE);
}

DeviceAccess::~DeviceAccess() {
  State& s = Memory();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (--s.open_scopes == 0)
    for (const auto& kv : s.by_start) Protect(kv.second, PROT_NONE);
}

void SetRunningKernel(const char* kernel, const char* file, int line) {
  running_kernel = kernel;
  running_file = file;
  running_line = line;
}

}  // namespace cnn_emu
