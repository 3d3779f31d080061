// The idx files MNIST and Fashion-MNIST ship in: a big-endian header (magic
// number, then one 32-bit size per dimension) followed by the values. Files
// may be gzipped or not; gzip is recognised by its content, not by its name.
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

// The magic numbers of unsigned-byte idx files: 3 dimensions (images), 1 (labels).
constexpr uint32_t kIdxImagesMagic = 2051;
constexpr uint32_t kIdxLabelsMagic = 2049;

struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  // count images of rows x cols bytes, one after the other, row by row.
  std::string pixels;

  const char* image(int i) const { return pixels.data() + static_cast<size_t>(i) * rows * cols; }
};

struct IdxLabels {
  int count = 0;
  std::string labels;  // one byte per label

  int label(int i) const { return static_cast<uint8_t>(labels[i]); }
};

// Both read and check the whole file, so a conversion fails before writing
// anything. They throw Error naming the file when it cannot be read, is not
// gzip data where it starts like it, has another magic number, holds no
// items, or is shorter or longer than its header announces.
IdxImages ReadIdxImages(const std::string& path);
IdxLabels ReadIdxLabels(const std::string& path);

// A file's bytes, decompressed when it is gzip data. Throws Error naming the
// file when it cannot be read or its gzip data is corrupt or cut short.
std::string ReadMaybeGzippedFile(const std::string& path);

}  // namespace cnn
