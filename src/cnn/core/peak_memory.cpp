#include "cnn/core/peak_memory.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace cnn {

double PeakResidentMiB() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) {
        std::sscanf(line + 6, "%ld", &kib);
        break;
      }
    }
    std::fclose(f);
    if (kib >= 0) return kib / 1024.0;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

}  // namespace cnn
