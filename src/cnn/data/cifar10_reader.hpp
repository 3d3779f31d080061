// The CIFAR-10 binary release: data_batch_1.bin ... data_batch_5.bin and
// test_batch.bin, each a plain run of 3073-byte records (one label byte, then
// a 32x32 image as three 1024-byte planes, red, green, blue). No header, so
// a file is checked by its size and its labels.
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

constexpr int kCifar10Side = 32;
constexpr int kCifar10Channels = 3;
constexpr int kCifar10Classes = 10;
constexpr size_t kCifar10ImageBytes = size_t(kCifar10Channels) * kCifar10Side * kCifar10Side;
constexpr size_t kCifar10RecordBytes = 1 + kCifar10ImageBytes;

struct Cifar10Batch {
  std::string bytes;  // the file, record after record

  int count() const { return static_cast<int>(bytes.size() / kCifar10RecordBytes); }
  int label(int i) const { return static_cast<uint8_t>(bytes[i * kCifar10RecordBytes]); }
  // The channel-major (planar) pixels, the layout a Datum stores.
  const char* image(int i) const { return bytes.data() + i * kCifar10RecordBytes + 1; }
};

// Reads and checks the whole file: throws Error naming it when it cannot be
// read, is empty, is not a whole number of records (a partial download), or
// holds a label outside 0..9 (not a CIFAR-10 file: CIFAR-100's records are
// 3074 bytes).
Cifar10Batch ReadCifar10Batch(const std::string& path);

}  // namespace cnn
