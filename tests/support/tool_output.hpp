// What the tests that run the `cnn` binary share beyond test_support.hpp:
// whether it runs under AddressSanitizer, and the lines of its output.
#pragma once

#include <sstream>
#include <string>
#include <vector>

// Whether this test program (and so the tool, built alike) runs under
// AddressSanitizer (scripts/sanitize.sh).
#if defined(__SANITIZE_ADDRESS__)
#define CNN_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CNN_TEST_UNDER_ASAN 1
#endif
#endif

namespace cnn {
namespace test {

// The lines of `text` that contain `part`, without their newline.
inline std::vector<std::string> LinesWith(const std::string& text, const std::string& part) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(part) != std::string::npos) lines.push_back(line);
  return lines;
}

}  // namespace test
}  // namespace cnn
