// idx files as MNIST ships them: raw and gzipped, and every way one can be
// wrong (another magic number, cut short, too long, corrupt gzip, missing).
#include "cnn/data/idx_reader.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

void AppendBigEndian(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string IdxBytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string bytes;
  AppendBigEndian(&bytes, magic);
  for (uint32_t d : dims) AppendBigEndian(&bytes, d);
  return bytes + payload;
}

void WriteRaw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Pixels that differ from image to image and position to position.
std::string Pixels(int count, int rows, int cols) {
  std::string p(static_cast<size_t>(count) * rows * cols, '\0');
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>((i * 37 + 11) % 256);
  return p;
}

// Runs f, expecting an Error whose message holds every part.
template <typename F>
void ExpectError(F f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL() << "no Error thrown";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const auto& p : parts)
      EXPECT_NE(what.find(p), std::string::npos) << "expected '" << p << "' in: " << what;
  }
}

class IdxReaderTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_ = MakeTempDir();
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
};

TEST_F(IdxReaderTest, ReadsRawImages) {
  const std::string pixels = Pixels(3, 4, 5);
  WriteRaw(Path("img"), IdxBytes(kIdxImagesMagic, {3, 4, 5}, pixels));
  const IdxImages images = ReadIdxImages(Path("img"));
  EXPECT_EQ(images.count, 3);
  EXPECT_EQ(images.rows, 4);
  EXPECT_EQ(images.cols, 5);
  EXPECT_EQ(images.pixels, pixels);
  EXPECT_EQ(std::string(images.image(2), 20), pixels.substr(40, 20));
}

TEST_F(IdxReaderTest, ReadsGzippedFilesByContentNotName) {
  const std::string pixels = Pixels(2, 28, 28);
  const std::string labels = {'\x07', '\xff'};
  // Neither name ends in .gz: gzip is recognised by its magic bytes.
  WriteGzip(Path("images"), IdxBytes(kIdxImagesMagic, {2, 28, 28}, pixels));
  WriteGzip(Path("labels.bin"), IdxBytes(kIdxLabelsMagic, {2}, labels));
  ASSERT_NE(ReadRaw(Path("images")).substr(0, 2), std::string("\0\0", 2));  // really compressed
  const IdxImages images = ReadIdxImages(Path("images"));
  EXPECT_EQ(images.count, 2);
  EXPECT_EQ(images.pixels, pixels);
  const IdxLabels read = ReadIdxLabels(Path("labels.bin"));
  ASSERT_EQ(read.count, 2);
  EXPECT_EQ(read.label(0), 7);
  EXPECT_EQ(read.label(1), 255);  // labels are unsigned bytes
}

TEST_F(IdxReaderTest, ReadMaybeGzippedFilePassesRawBytesThrough) {
  const std::string bytes("\x1f\x00raw \x8b data", 11);
  WriteRaw(Path("raw"), bytes);
  EXPECT_EQ(ReadMaybeGzippedFile(Path("raw")), bytes);
  WriteGzip(Path("raw.gz"), bytes);
  EXPECT_EQ(ReadMaybeGzippedFile(Path("raw.gz")), bytes);
}

TEST_F(IdxReaderTest, LabelFileReadAsImagesNamesBothMagicNumbers) {
  WriteRaw(Path("labels"), IdxBytes(kIdxLabelsMagic, {2}, "ab"));
  ExpectError([&] { ReadIdxImages(Path("labels")); },
              {"'" + Path("labels") + "'", "not an idx image file", "2049", "label file", "expected 2051"});
  WriteRaw(Path("images"), IdxBytes(kIdxImagesMagic, {1, 1, 1}, "a"));
  ExpectError([&] { ReadIdxLabels(Path("images")); }, {Path("images"), "2051", "expected 2049"});
}

TEST_F(IdxReaderTest, ForeignFileIsNotAnIdxFile) {
  WriteRaw(Path("text"), "hello, this is not idx data");
  ExpectError([&] { ReadIdxImages(Path("text")); },
              {Path("text"), "not an idx file at all", "expected 2051"});
  // An idx file of another element type or rank says which.
  WriteRaw(Path("floats"), IdxBytes(0x0D03, {1, 1, 1}, "abcd"));
  ExpectError([&] { ReadIdxImages(Path("floats")); }, {"type 0xd with 3 dimension(s)"});
}

TEST_F(IdxReaderTest, TruncatedRawFileSaysHowMuchIsMissing) {
  std::string bytes = IdxBytes(kIdxImagesMagic, {10, 28, 28}, Pixels(10, 28, 28));
  bytes.resize(bytes.size() - 100);
  WriteRaw(Path("img"), bytes);
  ExpectError([&] { ReadIdxImages(Path("img")); },
              {Path("img"), "truncated", "10 images of 28x28", "7840 bytes", "7740 bytes follow"});
  WriteRaw(Path("lbl"), IdxBytes(kIdxLabelsMagic, {5}, "abc"));
  ExpectError([&] { ReadIdxLabels(Path("lbl")); }, {Path("lbl"), "truncated", "5 labels"});
}

TEST_F(IdxReaderTest, TruncatedHeader) {
  WriteRaw(Path("img"), IdxBytes(kIdxImagesMagic, {10}, ""));
  ExpectError([&] { ReadIdxImages(Path("img")); }, {Path("img"), "truncated", "16-byte header"});
  WriteRaw(Path("tiny"), std::string("\0\0", 2));
  ExpectError([&] { ReadIdxLabels(Path("tiny")); }, {Path("tiny"), "only 2 bytes"});
  WriteRaw(Path("empty"), "");
  ExpectError([&] { ReadIdxImages(Path("empty")); }, {Path("empty"), "only 0 bytes"});
}

TEST_F(IdxReaderTest, TruncatedGzipStream) {
  WriteGzip(Path("img.gz"), IdxBytes(kIdxImagesMagic, {50, 28, 28}, Pixels(50, 28, 28)));
  const std::string whole = ReadRaw(Path("img.gz"));
  WriteRaw(Path("cut.gz"), whole.substr(0, whole.size() / 2));
  ExpectError([&] { ReadIdxImages(Path("cut.gz")); }, {Path("cut.gz"), "truncated", "gzip data ends early"});
}

TEST_F(IdxReaderTest, CorruptGzipStream) {
  WriteGzip(Path("img.gz"), IdxBytes(kIdxImagesMagic, {50, 28, 28}, Pixels(50, 28, 28)));
  std::string bytes = ReadRaw(Path("img.gz"));
  for (size_t i = 20; i < 60 && i < bytes.size(); ++i) bytes[i] = static_cast<char>(~bytes[i]);
  WriteRaw(Path("bad.gz"), bytes);
  ExpectError([&] { ReadIdxImages(Path("bad.gz")); }, {"'" + Path("bad.gz") + "' holds corrupt gzip data ("});
}

TEST_F(IdxReaderTest, BytesAfterTheAnnouncedDataAreAnError) {
  WriteRaw(Path("img"), IdxBytes(kIdxImagesMagic, {2, 2, 2}, Pixels(2, 2, 2) + "xyz"));
  ExpectError([&] { ReadIdxImages(Path("img")); }, {Path("img"), "3 bytes after the 2 images of 2x2"});
}

TEST_F(IdxReaderTest, EmptyAndDegenerateFiles) {
  WriteRaw(Path("none"), IdxBytes(kIdxImagesMagic, {0, 28, 28}, ""));
  ExpectError([&] { ReadIdxImages(Path("none")); }, {Path("none"), "holds no images"});
  WriteRaw(Path("flat"), IdxBytes(kIdxImagesMagic, {3, 0, 28}, ""));
  ExpectError([&] { ReadIdxImages(Path("flat")); }, {Path("flat"), "0x28"});
  WriteRaw(Path("nolabels"), IdxBytes(kIdxLabelsMagic, {0}, ""));
  ExpectError([&] { ReadIdxLabels(Path("nolabels")); }, {Path("nolabels"), "holds no labels"});
}

// Found while writing fuzz_idx: rows x cols near 2^32 each overflowed the 64-bit
// product in the size check (undefined behaviour) instead of being refused.
TEST_F(IdxReaderTest, HugeSizesAreRefusedWithoutOverflow) {
  WriteRaw(Path("huge"), IdxBytes(kIdxImagesMagic, {1, 0xFFFFFFFFu, 0xFFFFFFFFu}, ""));
  ExpectError([&] { ReadIdxImages(Path("huge")); },
              {Path("huge"), "1 images of 4294967295x4294967295", "more than one database can take"});
  WriteRaw(Path("many"), IdxBytes(kIdxImagesMagic, {0xFFFFFFFFu, 1, 1}, ""));
  ExpectError([&] { ReadIdxImages(Path("many")); }, {Path("many"), "4294967295 images"});
  WriteRaw(Path("labels"), IdxBytes(kIdxLabelsMagic, {0xFFFFFFFFu}, ""));
  ExpectError([&] { ReadIdxLabels(Path("labels")); }, {Path("labels"), "4294967295 labels"});
}

TEST_F(IdxReaderTest, MissingFileAndDirectory) {
  ExpectError([&] { ReadIdxImages(Path("missing")); }, {"cannot open", Path("missing"), "No such file"});
  ExpectError([&] { ReadIdxLabels(dir_); }, {"cannot read", dir_, "Is a directory"});
}

}  // namespace
}  // namespace test
}  // namespace cnn
