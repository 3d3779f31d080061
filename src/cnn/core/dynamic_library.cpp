#include "cnn/core/dynamic_library.hpp"

#include <dlfcn.h>

#include <utility>

namespace cnn {

DynamicLibrary::DynamicLibrary(Names names) : names_(std::move(names)) {
  handle_ = dlopen(names_.soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_ && !names_.fallback.empty()) handle_ = dlopen(names_.fallback.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    CNN_THROW("cannot load " << names_.what << " (" << names_.soname << "): " << (why ? why : "not found") << "; "
                             << names_.install);
  }
}

void* DynamicLibrary::Symbol(const char* name) const {
  void* sym = dlsym(handle_, name);
  CNN_CHECK(sym, names_.soname << " has no symbol " << name << ": " << names_.too_old);
  return sym;
}

}  // namespace cnn
