#include "cnn/data/idx_reader.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

#include "cnn/core/common.hpp"

namespace cnn {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose_r(f); }
};

uint32_t BigEndian32(const std::string& bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// Says what a wrong magic number is, so swapped or foreign files are recognised.
std::string DescribeMagic(uint32_t magic) {
  if (magic == kIdxImagesMagic) return "that of an idx image file";
  if (magic == kIdxLabelsMagic) return "that of an idx label file";
  if ((magic >> 16) == 0) {
    std::ostringstream s;
    s << "an idx file of type 0x" << std::hex << ((magic >> 8) & 0xff) << std::dec << " with "
      << (magic & 0xff) << " dimension(s)";
    return s.str();
  }
  return "not an idx file at all";
}

// Reads the header that both kinds share and checks the magic number; returns
// the sizes of the dims dimensions that follow it.
void ReadHeader(const std::string& path, const std::string& bytes, uint32_t magic, const char* kind, int dims,
                int64_t* sizes) {
  const size_t header = 4 + 4 * static_cast<size_t>(dims);
  CNN_CHECK(bytes.size() >= 4, "'" << path << "' is not an idx " << kind << " file: it holds only "
                                   << bytes.size() << " bytes, less than a magic number");
  const uint32_t found = BigEndian32(bytes, 0);
  CNN_CHECK(found == magic, "'" << path << "' is not an idx " << kind << " file: its magic number is "
                                << found << " (" << DescribeMagic(found) << "), expected " << magic);
  CNN_CHECK(bytes.size() >= header, "'" << path << "' is truncated: " << bytes.size()
                                        << " bytes, less than the " << header << "-byte header of an idx "
                                        << kind << " file");
  for (int d = 0; d < dims; ++d) sizes[d] = BigEndian32(bytes, 4 + 4 * d);
}

void CheckPayload(const std::string& path, const std::string& bytes, size_t header, int64_t expected,
                  const std::string& what) {
  const int64_t found = static_cast<int64_t>(bytes.size() - header);
  CNN_CHECK(found >= expected, "'" << path << "' is truncated: its header announces " << what << " ("
                                   << expected << " bytes) but only " << found << " bytes follow it");
  CNN_CHECK(found == expected, "'" << path << "' has " << (found - expected) << " bytes after the " << what
                                   << " its header announces");
}

}  // namespace

std::string ReadMaybeGzippedFile(const std::string& path) {
  // gzread passes data that is not gzip through unchanged, so one path reads both.
  errno = 0;
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  CNN_CHECK(file != nullptr,
            "cannot open '" << path << "': " << (errno ? std::strerror(errno) : "out of memory"));
  // Buffers sized to the file: a 60,000-image set reads in a few large
  // steps, a label file of a few bytes does not pay for megabytes of zeroed
  // memory (the fuzzer reads thousands of small files a second).
  struct stat st;
  const size_t file_size = stat(path.c_str(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  gzbuffer(file.get(), static_cast<unsigned>(std::clamp<size_t>(file_size, 1 << 13, 1 << 17)));
  std::string bytes;
  // gzip data usually expands; the string doubles when the guess is short.
  bytes.resize(std::max<size_t>(file_size + 1, 1 << 12));
  size_t used = 0;
  for (;;) {
    if (used == bytes.size()) bytes.resize(bytes.size() * 2);
    // gzread takes an unsigned count and returns an int.
    const unsigned want = static_cast<unsigned>(std::min<size_t>(bytes.size() - used, 1u << 30));
    const int n = gzread(file.get(), &bytes[used], want);
    const int read_errno = errno;
    int err = Z_OK;
    const char* message = gzerror(file.get(), &err);
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      CNN_CHECK(err != Z_ERRNO, "cannot read '" << path << "': " << std::strerror(read_errno));
      CNN_CHECK(err != Z_BUF_ERROR, "'" << path << "' is truncated: its gzip data ends early");
      // zlib puts the path in front of its message; ours names it already.
      std::string reason = message;
      if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
      CNN_THROW("'" << path << "' holds corrupt gzip data (" << reason << ")");
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  bytes.resize(used);
  return bytes;
}

IdxImages ReadIdxImages(const std::string& path) {
  std::string bytes = ReadMaybeGzippedFile(path);
  int64_t sizes[3];
  ReadHeader(path, bytes, kIdxImagesMagic, "image", 3, sizes);
  CNN_CHECK(sizes[0] > 0, "'" << path << "' holds no images");
  CNN_CHECK(sizes[1] > 0 && sizes[2] > 0, "'" << path << "' announces images of " << sizes[1] << "x"
                                              << sizes[2] << "; both sizes must be positive");
  // Each size is checked before the product: two sizes near 2^32 would
  // overflow even 64 bits.
  CNN_CHECK(sizes[0] <= INT32_MAX && sizes[1] <= INT32_MAX && sizes[2] <= INT32_MAX &&
                sizes[1] * sizes[2] <= INT32_MAX,
            "'" << path << "' announces " << sizes[0] << " images of " << sizes[1] << "x" << sizes[2]
                << ", more than one database can take");
  const std::string what =
      std::to_string(sizes[0]) + " images of " + std::to_string(sizes[1]) + "x" + std::to_string(sizes[2]);
  CheckPayload(path, bytes, 16, sizes[0] * sizes[1] * sizes[2], what);
  IdxImages images;
  images.count = static_cast<int>(sizes[0]);
  images.rows = static_cast<int>(sizes[1]);
  images.cols = static_cast<int>(sizes[2]);
  bytes.erase(0, 16);
  images.pixels = std::move(bytes);
  return images;
}

IdxLabels ReadIdxLabels(const std::string& path) {
  std::string bytes = ReadMaybeGzippedFile(path);
  int64_t count = 0;
  ReadHeader(path, bytes, kIdxLabelsMagic, "label", 1, &count);
  CNN_CHECK(count > 0, "'" << path << "' holds no labels");
  CNN_CHECK(count <= INT32_MAX,
            "'" << path << "' announces " << count << " labels, more than one database can take");
  CheckPayload(path, bytes, 8, count, std::to_string(count) + " labels");
  IdxLabels labels;
  labels.count = static_cast<int>(count);
  bytes.erase(0, 8);
  labels.labels = std::move(bytes);
  return labels;
}

}  // namespace cnn
