#include "cnn/data/image_codecs.hpp"

#ifdef CNN_WITH_OPENCV
#include <dlfcn.h>
#include <unistd.h>
#include <glog/logging.h>

#include <atomic>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"

namespace cnn {
namespace image_codecs {
namespace {

// Set before main when the codecs are linked in; zero-initialised before any
// constructor runs, so the order of static initialisers does not matter.
std::atomic<const Table*> provided{nullptr};

// The plugin sits beside the object this code was linked into: the Python
// extension _cnn.so, or the `cnn` tool. For a program dladdr names argv[0],
// which need not be a path (a tool found on PATH), so the executable's own
// path is tried next.
std::vector<std::string> PluginPaths() {
  std::vector<std::string> dirs;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&PluginPaths), &info) != 0 && info.dli_fname != nullptr) {
    const std::string self = info.dli_fname;
    const size_t slash = self.rfind('/');
    dirs.push_back(slash != std::string::npos ? self.substr(0, slash) : ".");
  }
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    const std::string self(exe, static_cast<size_t>(n));
    const size_t slash = self.rfind('/');
    if (slash != std::string::npos) dirs.push_back(self.substr(0, slash));
  }
  std::vector<std::string> paths;
  for (const std::string& d : dirs) paths.push_back(d + "/libcnn_image_codecs.so");
  return paths;
}

// nullptr and `why` filled when the plugin cannot be loaded.
const Table* Load(std::string* why) {
  void* handle = nullptr;
  std::string path;
  for (const std::string& candidate : PluginPaths()) {
    handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
      path = candidate;
      break;
    }
    *why += (why->empty() ? "" : "; ") + std::string(dlerror());
  }
  if (handle == nullptr) return nullptr;
  auto entry = reinterpret_cast<const Table* (*)()>(dlsym(handle, kEntryPoint));
  if (entry == nullptr) {
    *why = path + " has no " + kEntryPoint;
    return nullptr;
  }
  VLOG(1) << "Loaded OpenCV's image codecs from " << path;
  return entry();
}

const Table& Codecs() {
  if (const Table* t = provided.load()) return *t;
  static std::string why;
  static const Table* loaded = Load(&why);
  CNN_CHECK(loaded != nullptr, "decoding and encoding images needs OpenCV's image codecs, which did not load: " << why);
  return *loaded;
}

}  // namespace

cv::Mat Decode(const cv::Mat& bytes, int imread_flags) { return Codecs().decode(bytes, imread_flags); }

bool Encode(const std::string& ext, const cv::Mat& image, std::vector<unsigned char>* out) {
  return Codecs().encode(ext, image, out);
}

void Provide(const Table* table) { provided.store(table); }

}  // namespace image_codecs
}  // namespace cnn
#endif
