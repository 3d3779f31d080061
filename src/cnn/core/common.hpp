// Shared basics: the error type every user-facing failure travels in, and the
// check macros that raise it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace cnn {

// Anything a user can cause (a bad prototxt, a missing file, a shape that does
// not fit) is reported by throwing Error with a one-line message; the tool
// catches it at the top, prints it and exits with status 1. Aborting checks
// (glog's CHECK) are reserved for broken internal invariants.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Device memory ran out. Raised by the GPU allocator with the size asked
// for and the memory left; the blob and the layer that asked add their names
// on the way up, so the user reads which layer wanted how much.
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& what) : Error(what) {}
};

}  // namespace cnn

// CNN_CHECK(cond, "layer " << name << ": expected ...") throws cnn::Error.
#define CNN_CHECK(cond, msg)                 \
  do {                                       \
    if (!(cond)) {                           \
      std::ostringstream cnn_check_stream_;  \
      cnn_check_stream_ << msg;              \
      throw ::cnn::Error(cnn_check_stream_.str()); \
    }                                        \
  } while (0)

#define CNN_THROW(msg) CNN_CHECK(false, msg)
