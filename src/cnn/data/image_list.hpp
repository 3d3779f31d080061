// The list file convert_imageset reads: one image a line, "relative/path label".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

struct ImageListEntry {
  std::string path;  // as written in the list, relative to the image root
  int label = 0;
  int line = 0;  // 1-based line number in the list file, for messages
};

// The label is the last whitespace-separated token, so paths may contain
// spaces. Blank lines are skipped and a trailing CR (a list written on
// Windows) is ignored. Throws Error "LIST:LINE: ..." for a line with no path
// or whose label is not an integer, and when the file cannot be read.
std::vector<ImageListEntry> ReadImageList(const std::string& list_path);

// A Fisher-Yates shuffle drawing from mt19937 with its own bounded draws, so a
// seed gives the same order with every compiler and standard library.
void ShuffleImageList(std::vector<ImageListEntry>* entries, uint32_t seed);

}  // namespace cnn
