// Writing JSON text by hand for the few places that emit it (`cnn summary
// --format=json`, the training log): strings escaped per RFC 8259 and
// numbers that stay valid JSON (NaN and infinities, which JSON lacks,
// become null).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace cnn {

inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Shortest form that reads back as the same double ("%.17g" trimmed by
// trying fewer digits first).
inline std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  // Whole numbers (counts, multiply-adds) in full, not as 1.6e+06.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// The same for a float: the shortest text that reads back as this float.
inline std::string JsonNumber(float v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace cnn
