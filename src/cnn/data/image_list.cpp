#include "cnn/data/image_list.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

#include "cnn/core/common.hpp"

namespace cnn {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// A uniform draw from [0, n) without the modulo bias of `engine() % n`.
uint32_t UniformBelow(std::mt19937* engine, uint32_t n) {
  const uint32_t limit = std::numeric_limits<uint32_t>::max() - std::numeric_limits<uint32_t>::max() % n;
  uint32_t x;
  do {
    x = static_cast<uint32_t>((*engine)());
  } while (x >= limit);
  return x % n;
}

}  // namespace

std::vector<ImageListEntry> ReadImageList(const std::string& list_path) {
  std::ifstream in(list_path);
  CNN_CHECK(in, "cannot open the image list '" << list_path << "': " << std::strerror(errno));
  std::vector<ImageListEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    size_t end = line.size();
    while (end > 0 && IsSpace(line[end - 1])) --end;
    if (end == 0) continue;
    size_t label_start = end;
    while (label_start > 0 && !IsSpace(line[label_start - 1])) --label_start;
    size_t path_end = label_start;
    while (path_end > 0 && IsSpace(line[path_end - 1])) --path_end;
    size_t path_start = 0;
    while (path_start < path_end && IsSpace(line[path_start])) ++path_start;
    CNN_CHECK(path_start < path_end,
              list_path << ":" << number << ": expected 'path label', got '" << line.substr(0, end) << "'");
    const std::string label_text = line.substr(label_start, end - label_start);
    char* stop = nullptr;
    errno = 0;
    const long label = std::strtol(label_text.c_str(), &stop, 10);
    CNN_CHECK(*stop == '\0' && errno == 0 && label >= std::numeric_limits<int>::min() &&
                  label <= std::numeric_limits<int>::max(),
              list_path << ":" << number << ": the label '" << label_text
                        << "' (the last word of the line) is not an integer");
    ImageListEntry entry;
    entry.path = line.substr(path_start, path_end - path_start);
    entry.label = static_cast<int>(label);
    entry.line = number;
    entries.push_back(std::move(entry));
  }
  CNN_CHECK(!in.bad(), "cannot read the image list '" << list_path << "': " << std::strerror(errno));
  return entries;
}

void ShuffleImageList(std::vector<ImageListEntry>* entries, uint32_t seed) {
  std::mt19937 engine(seed);
  for (size_t i = entries->size(); i > 1; --i) {
    const size_t j = UniformBelow(&engine, static_cast<uint32_t>(i));
    std::swap((*entries)[i - 1], (*entries)[j]);
  }
}

}  // namespace cnn
