// `cnn convert_mnist`, `cnn convert_imageset` and `cnn compute_image_mean` as
// a user runs them: the records they write (read back byte for byte), the
// means they compute, and their one-line errors.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace cnn {
namespace test {
namespace {

using Result = ToolResult;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

// A user error: status 1, one line, prefixed, holding every part.
void ExpectOneLineError(const Result& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 1) << r.output;
  const auto lines = NonEmptyLines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("cnn: error: ", 0), 0u) << lines[0];
  for (const auto& p : parts) EXPECT_TRUE(Contains(lines[0], p)) << "expected '" << p << "' in: " << lines[0];
}

std::vector<std::pair<std::string, Datum>> ReadAll(const std::string& backend, const std::string& path) {
  std::vector<std::pair<std::string, Datum>> records;
  auto db = OpenDB(backend, path, DB::READ);
  for (auto cursor = db->NewCursor(); cursor->Valid(); cursor->Next()) {
    Datum d;
    EXPECT_TRUE(d.ParseFromString(cursor->value())) << cursor->key();
    records.emplace_back(cursor->key(), d);
  }
  return records;
}

std::string ShapeOf(const Datum& d) {
  return std::to_string(d.channels()) + "x" + std::to_string(d.height()) + "x" + std::to_string(d.width());
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- idx files ---------------------------------------------------------------

std::string IdxBytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::vector<uint32_t> header = {magic};
  header.insert(header.end(), dims.begin(), dims.end());
  std::string bytes;
  for (uint32_t v : header) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((v >> shift) & 0xff));
  }
  return bytes + payload;
}

void WriteFile(const std::string& path, const std::string& bytes, bool gzip) {
  if (!gzip) {
    std::ofstream(path, std::ios::binary) << bytes;
    return;
  }
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::string Pixels(int count, int rows, int cols) {
  std::string p(static_cast<size_t>(count) * rows * cols, '\0');
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>((i * 53 + 7) % 256);
  return p;
}

class ConvertMnist : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  // count images of 3x4 and their labels, as IMAGES and LABELS.
  void WriteSet(int count, const std::string& labels, bool gzip) {
    pixels_ = Pixels(count, 3, 4);
    WriteFile(Path("images"), IdxBytes(2051, {uint32_t(count), 3, 4}, pixels_), gzip);
    WriteFile(Path("labels"), IdxBytes(2049, {uint32_t(labels.size())}, labels), gzip);
  }
  Result Convert(const std::string& flags = "") {
    return Cnn("convert_mnist " + Path("images") + " " + Path("labels") + " " + Path("out") + " " + flags);
  }
  std::string dir_ = MakeTempDir();
  std::string pixels_;
};

TEST_F(ConvertMnist, RawAndGzippedFilesIntoBothBackends) {
  const std::string labels = {0, 9, 3, static_cast<char>(200), 1};
  for (bool gzip : {false, true}) {
    for (const std::string backend : {"lmdb", "leveldb"}) {
      SCOPED_TRACE(std::string(gzip ? "gzip " : "raw ") + backend);
      WriteSet(5, labels, gzip);
      const Result r = Convert("--backend=" + backend);
      ASSERT_EQ(r.status, 0) << r.output;
      EXPECT_TRUE(Contains(r.output, "Wrote 5 images of 1x3x4 to " + backend)) << r.output;
      const auto records = ReadAll(backend, Path("out"));
      ASSERT_EQ(records.size(), 5u);
      for (int i = 0; i < 5; ++i) {
        char key[16];
        std::snprintf(key, sizeof key, "%08d", i);
        const Datum& d = records[i].second;
        EXPECT_EQ(records[i].first, key);
        EXPECT_EQ(d.channels(), 1);
        EXPECT_EQ(d.height(), 3);
        EXPECT_EQ(d.width(), 4);
        EXPECT_FALSE(d.encoded());
        EXPECT_EQ(d.float_data_size(), 0);
        EXPECT_EQ(d.data(), pixels_.substr(12 * i, 12)) << i;
        EXPECT_EQ(d.label(), static_cast<uint8_t>(labels[i])) << i;
      }
      std::filesystem::remove_all(Path("out"));
    }
  }
}

TEST_F(ConvertMnist, ProgressEveryTenThousandImages) {
  WriteSet(10001, std::string(10001, '\x04'), true);
  const Result r = Convert();
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "Processed 10000 of 10001 images\n")) << r.output;
  EXPECT_FALSE(Contains(r.output, "Processed 10001")) << r.output;
  EXPECT_EQ(ReadAll("lmdb", Path("out")).size(), 10001u);
}

TEST_F(ConvertMnist, CountMismatchNamesBothFilesAndLeavesNoDatabase) {
  WriteSet(3, std::string(2, '\x01'), false);
  ExpectOneLineError(Convert(),
                     {Quote(Path("images")) + " holds 3 images", Quote(Path("labels")) + " holds 2 labels"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ConvertMnist, SwappedFilesAreNamedByTheirMagicNumber) {
  WriteSet(2, std::string(2, '\x01'), true);
  const Result r = Cnn("convert_mnist " + Path("labels") + " " + Path("images") + " " + Path("out") +
                       " --backend=leveldb");
  ExpectOneLineError(r, {Quote(Path("labels")) + " is not an idx image file", "2049", "expected 2051"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ConvertMnist, TruncatedFilesAreNamed) {
  WriteSet(4, std::string(4, '\x01'), false);
  std::string images = ReadBytes(Path("images"));
  WriteFile(Path("images"), images.substr(0, images.size() - 5), false);
  ExpectOneLineError(Convert(), {Quote(Path("images")) + " is truncated", "4 images of 3x4"});
  EXPECT_FALSE(PathExists(Path("out")));

  WriteSet(4, std::string(4, '\x01'), true);
  const std::string labels = ReadBytes(Path("labels"));
  WriteFile(Path("labels"), labels.substr(0, labels.size() / 2), false);
  ExpectOneLineError(Convert(), {Quote(Path("labels")) + " is truncated"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ConvertMnist, ExistingOutputIsRefusedAndKept) {
  WriteSet(2, std::string(2, '\x01'), false);
  std::filesystem::create_directory(Path("out"));
  std::ofstream(Path("out/keep")) << "mine";
  ExpectOneLineError(Convert(), {"output database " + Quote(Path("out")) + " already exists",
                                 "delete it first (rm -r " + Path("out") + ")"});
  EXPECT_EQ(ReadBytes(Path("out/keep")), "mine");
}

TEST_F(ConvertMnist, UsageErrors) {
  ExpectOneLineError(Cnn("convert_mnist a b"),
                     {"convert_mnist takes IMAGES LABELS OUT_DB", "got 2 argument(s)"});
  ExpectOneLineError(Cnn("convert_mnist " + Path("nope") + " " + Path("nope2") + " " + Path("out")),
                     {"cannot open " + Quote(Path("nope")), "No such file"});
  EXPECT_FALSE(PathExists(Path("out")));
  WriteSet(2, std::string(2, '\x01'), false);
  ExpectOneLineError(Convert("--backend=rocksdb"),
                     {"unknown database backend 'rocksdb'", "use lmdb or leveldb"});
  EXPECT_FALSE(PathExists(Path("out")));
}

// The real data set, where Debian's dataset-fashion-mnist is installed.
TEST_F(ConvertMnist, FashionMnistTestSet) {
  const std::string src = "/usr/share/datasets/fashion-mnist";
  if (!PathExists(src + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto start = std::chrono::steady_clock::now();
  const Result r = Cnn("convert_mnist " + src + "/t10k-images-idx3-ubyte.gz " + src +
                       "/t10k-labels-idx1-ubyte.gz " + Path("out"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "Processed 10000 of 10000 images")) << r.output;
  const auto records = ReadAll("lmdb", Path("out"));
  ASSERT_EQ(records.size(), 10000u);
  EXPECT_EQ(records.front().first, "00000000");
  EXPECT_EQ(records.back().first, "00009999");
  std::vector<int> per_class(10, 0);
  for (const auto& [key, d] : records) {
    ASSERT_EQ(ShapeOf(d), "1x28x28") << key;
    ASSERT_EQ(d.data().size(), 784u) << key;
    ASSERT_GE(d.label(), 0) << key;
    ASSERT_LE(d.label(), 9) << key;
    ++per_class[d.label()];
  }
  // The test set is balanced: 1000 images of each class.
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
}

// ---- compute_image_mean on an MNIST-style database ---------------------------

TEST_F(ConvertMnist, ComputeImageMeanByHand) {
  const std::string pixels = {0, 1, 2, 3, 10, 20, 30, 40, '\xff', '\xff', '\xff', '\xff'};
  WriteFile(Path("images"), IdxBytes(2051, {3, 2, 2}, pixels), false);
  WriteFile(Path("labels"), IdxBytes(2049, {3}, std::string(3, '\x01')), false);
  ASSERT_EQ(Convert().status, 0);
  const Result r = Cnn("compute_image_mean " + Path("out") + " " + Path("mean.binaryproto"));
  ASSERT_EQ(r.status, 0) << r.output;
  // (0+10+255)/3, (1+20+255)/3, (2+30+255)/3, (3+40+255)/3; their mean is 1126/12.
  EXPECT_TRUE(Contains(r.output, "Mean of 3 records of 1x2x2")) << r.output;
  EXPECT_TRUE(Contains(r.output, "Number of channels: 1\n")) << r.output;
  EXPECT_TRUE(Contains(r.output, "mean_value channel [0]: 93.8333\n")) << r.output;
  BlobProto blob;
  ReadProtoFromBinaryFile(Path("mean.binaryproto"), &blob);
  EXPECT_EQ(blob.num(), 1);
  EXPECT_EQ(blob.channels(), 1);
  EXPECT_EQ(blob.height(), 2);
  EXPECT_EQ(blob.width(), 2);
  ASSERT_EQ(blob.data_size(), 4);
  const float expected[] = {265.f / 3, 276.f / 3, 287.f / 3, 298.f / 3};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(blob.data(i), expected[i]) << i;
}

TEST_F(ConvertMnist, ComputeImageMeanErrors) {
  ExpectOneLineError(Cnn("compute_image_mean"), {"compute_image_mean takes DB [OUT.binaryproto]", "got 0"});
  ExpectOneLineError(Cnn("compute_image_mean a b c"), {"got 3 argument(s)"});
  ExpectOneLineError(Cnn("compute_image_mean " + Path("nope")), {Quote(Path("nope"))});
  ExpectOneLineError(Cnn("compute_image_mean --backend=foo " + Path("nope")),
                     {"unknown database backend 'foo'"});
}

#ifdef CNN_WITH_OPENCV

// ---- convert_imageset --------------------------------------------------------

// A colour image whose pixels all differ, so a transposed or mis-ordered copy shows.
cv::Mat Pattern(int rows, int cols, int seed) {
  cv::Mat m(rows, cols, CV_8UC3);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      m.at<cv::Vec3b>(r, c) = cv::Vec3b(static_cast<uchar>((seed + 7 * r + 3 * c) % 256),
                                        static_cast<uchar>((seed * 3 + 50 + 11 * r + c) % 256),
                                        static_cast<uchar>((seed * 5 + 200 + r + 13 * c) % 256));
    }
  }
  return m;
}

// The Datum bytes of an 8-bit image: channel-major (CHW).
std::string Chw(const cv::Mat& m) {
  std::string bytes(m.total() * m.channels(), '\0');
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      for (int ch = 0; ch < m.channels(); ++ch) {
        bytes[(static_cast<size_t>(ch) * m.rows + r) * m.cols + c] =
            static_cast<char>(m.ptr<uchar>(r)[c * m.channels() + ch]);
      }
    }
  }
  return bytes;
}

std::vector<std::string> Keys(const std::vector<std::pair<std::string, Datum>>& records) {
  std::vector<std::string> keys;
  for (const auto& rec : records) keys.push_back(rec.first);
  return keys;
}

class ConvertImageset : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(root_);
    ASSERT_TRUE(cv::imwrite(root_ + "a.png", Pattern(4, 5, 1)));
    ASSERT_TRUE(cv::imwrite(root_ + "b c.png", Pattern(4, 5, 2)));
    ASSERT_TRUE(cv::imwrite(root_ + "d.png", Pattern(4, 5, 3)));
    std::ofstream(root_ + "bad.png") << "not a png";
    WriteList("a.png 0\nb c.png 1\nmissing.png 2\nd.png 3\nbad.png 4\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void WriteList(const std::string& text) { std::ofstream(list_) << text; }
  Result Convert(const std::string& flags = "", const std::string& out = "out") {
    return Cnn("convert_imageset " + flags + " " + root_ + " " + list_ + " " + Path(out));
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_ = MakeTempDir();
  std::string root_ = dir_ + "/images/";
  std::string list_ = dir_ + "/list.txt";
  const std::vector<std::string> written_ = {"00000000_a.png", "00000001_b c.png", "00000003_d.png"};
  const std::vector<std::string> files_ = {"a.png", "b c.png", "d.png"};
};

TEST_F(ConvertImageset, SkipsUnreadableImagesNamingTheirLines) {
  const Result r = Convert();
  ASSERT_EQ(r.status, 0) << r.output;
  const auto lines = NonEmptyLines(r.output);
  ASSERT_EQ(lines.size(), 3u) << r.output;  // two skips and the summary; no glog warnings
  EXPECT_EQ(lines[0],
            list_ + ":3: cannot open image '" + root_ + "missing.png': No such file or directory; skipped");
  EXPECT_EQ(lines[1], list_ + ":5: '" + root_ + "bad.png' is not an image OpenCV can read; skipped");
  EXPECT_EQ(lines[2], "Wrote 3 of 5 images to lmdb '" + Path("out") + "'; skipped 2 (reported above)");
  const auto records = ReadAll("lmdb", Path("out"));
  ASSERT_EQ(Keys(records), written_);
  const int labels[] = {0, 1, 3};
  for (int i = 0; i < 3; ++i) {
    const Datum& d = records[i].second;
    EXPECT_EQ(ShapeOf(d), "3x4x5");
    EXPECT_FALSE(d.encoded());
    EXPECT_EQ(d.label(), labels[i]);
    EXPECT_EQ(d.data(), Chw(Pattern(4, 5, i + 1))) << records[i].first;
  }
}

TEST_F(ConvertImageset, RootWithoutSlashAndLevelDB) {
  root_.pop_back();
  const Result r = Convert("--backend=leveldb");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(Keys(ReadAll("leveldb", Path("out"))), written_);
}

TEST_F(ConvertImageset, Gray) {
  const Result r = Convert("--gray");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto records = ReadAll("lmdb", Path("out"));
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ShapeOf(records[i].second), "1x4x5");
    EXPECT_EQ(records[i].second.data(), Chw(cv::imread(root_ + files_[i], cv::IMREAD_GRAYSCALE))) << i;
  }
}

TEST_F(ConvertImageset, Resize) {
  const Result r = Convert("--resize_width=3 --resize_height=2");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto records = ReadAll("lmdb", Path("out"));
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ShapeOf(records[i].second), "3x2x3");
    cv::Mat resized;
    cv::resize(Pattern(4, 5, i + 1), resized, cv::Size(3, 2));
    EXPECT_EQ(records[i].second.data(), Chw(resized)) << i;
  }
  ExpectOneLineError(Convert("--resize_width=3", "out2"), {"give both --resize_width and --resize_height"});
  EXPECT_FALSE(PathExists(Path("out2")));
}

TEST_F(ConvertImageset, EncodedKeepsPngBytesOrReencodes) {
  Result r = Convert("--encoded");
  ASSERT_EQ(r.status, 0) << r.output;
  auto records = ReadAll("lmdb", Path("out"));
  ASSERT_EQ(Keys(records), written_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(records[i].second.encoded());
    EXPECT_EQ(records[i].second.data(), ReadBytes(root_ + files_[i])) << i;  // the file itself
  }
  // An encoding implies --encoded, as in Caffe.
  r = Convert("--encode_type=jpg", "jpg");
  ASSERT_EQ(r.status, 0) << r.output;
  records = ReadAll("lmdb", Path("jpg"));
  ASSERT_EQ(records.size(), 3u);
  for (const auto& [key, d] : records) {
    EXPECT_TRUE(d.encoded());
    EXPECT_EQ(d.data().substr(0, 2), "\xff\xd8") << key;  // JPEG's start-of-image marker
    const std::vector<uchar> bytes(d.data().begin(), d.data().end());
    const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    EXPECT_EQ(decoded.rows, 4);
    EXPECT_EQ(decoded.cols, 5);
    EXPECT_EQ(decoded.channels(), 3);
  }
}

TEST_F(ConvertImageset, ShuffleIsRepeatable) {
  WriteList("a.png 0\nb c.png 1\nd.png 3\na.png 5\nb c.png 6\nd.png 7\na.png 8\nd.png 9\n");
  ASSERT_EQ(Convert("--shuffle", "one").status, 0);
  ASSERT_EQ(Convert("--shuffle", "two").status, 0);
  const auto one = ReadAll("lmdb", Path("one"));
  const auto two = ReadAll("lmdb", Path("two"));
  ASSERT_EQ(one.size(), 8u);
  EXPECT_EQ(Keys(one), Keys(two));
  std::vector<int> labels;
  for (const auto& [key, d] : one) {
    labels.push_back(d.label());
    // Each record still holds its own image.
    const std::string file = key.substr(9);
    const int seed = file == "a.png" ? 1 : file == "b c.png" ? 2 : 3;
    EXPECT_EQ(d.data(), Chw(Pattern(4, 5, seed))) << key;
  }
  EXPECT_NE(labels, (std::vector<int>{0, 1, 3, 5, 6, 7, 8, 9}));  // the fixed seed does move them
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels, (std::vector<int>{0, 1, 3, 5, 6, 7, 8, 9}));
}

TEST_F(ConvertImageset, ProgressEveryThousandImages) {
  std::string list;
  for (int i = 0; i < 1001; ++i) list += "a.png " + std::to_string(i % 10) + "\n";
  WriteList(list);
  const Result r = Convert();
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "Processed 1000 of 1001 images (99.9% of the list, ")) << r.output;
  EXPECT_FALSE(Contains(r.output, "Processed 1001")) << r.output;
  EXPECT_TRUE(Contains(r.output, "Wrote 1001 of 1001 images")) << r.output;
  EXPECT_EQ(ReadAll("lmdb", Path("out")).size(), 1001u);
}

TEST_F(ConvertImageset, CheckSize) {
  ASSERT_TRUE(cv::imwrite(root_ + "e.png", Pattern(6, 6, 4)));
  WriteList("a.png 0\nb c.png 1\n\ne.png 5\n");
  ExpectOneLineError(Convert("--check_size"), {list_ + ":4: '" + root_ + "e.png' is 3x6x6",
                                               "the image on line 1 is 3x4x5 (--check_size)"});
  EXPECT_FALSE(PathExists(Path("out")));
  const Result r = Convert();
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadAll("lmdb", Path("out")).size(), 3u);
}

TEST_F(ConvertImageset, ListAndUsageErrors) {
  WriteList("a.png 0\nb c.png one\n");
  ExpectOneLineError(Convert(), {list_ + ":2: the label 'one'"});
  EXPECT_FALSE(PathExists(Path("out")));
  WriteList("\n\n");
  ExpectOneLineError(Convert(), {"the image list '" + list_ + "' names no images"});
  WriteList("missing.png 0\n");
  const Result r = Convert();
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(Contains(r.output, list_ + ":1: cannot open image")) << r.output;
  EXPECT_TRUE(Contains(r.output, "cnn: error: none of the 1 images in '" + list_ + "' could be read"))
      << r.output;
  EXPECT_FALSE(PathExists(Path("out")));
  ExpectOneLineError(Cnn("convert_imageset " + root_ + " " + list_),
                     {"takes ROOT/ LISTFILE OUT_DB", "got 2"});
  ExpectOneLineError(Cnn("convert_imageset " + root_ + " " + Path("nolist") + " " + Path("out")),
                     {"cannot open the image list '" + Path("nolist") + "'"});
}

// ---- compute_image_mean on colour databases ----------------------------------

TEST_F(ConvertImageset, ComputeImageMeanRawAndEncoded) {
  ASSERT_TRUE(cv::imwrite(root_ + "p.png", cv::Mat(3, 3, CV_8UC3, cv::Scalar(10, 20, 30))));
  ASSERT_TRUE(cv::imwrite(root_ + "q.png", cv::Mat(3, 3, CV_8UC3, cv::Scalar(30, 40, 50))));
  WriteList("p.png 0\nq.png 1\n");
  ASSERT_EQ(Convert("", "raw").status, 0);
  ASSERT_EQ(Convert("--encoded --backend=leveldb", "enc").status, 0);
  for (const std::string& args : {Path("raw"), "--backend=leveldb " + Path("enc")}) {
    SCOPED_TRACE(args);
    const Result r = Cnn("compute_image_mean " + args);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(Contains(r.output, "Mean of 2 records of 3x3x3")) << r.output;
    EXPECT_TRUE(Contains(r.output,
                         "mean_value channel [0]: 20\nmean_value channel [1]: 30\n"
                         "mean_value channel [2]: 40\n"))
        << r.output;
    EXPECT_FALSE(Contains(r.output, "Wrote")) << r.output;  // no output file was asked for
  }
}

TEST_F(ConvertImageset, ComputeImageMeanNamesARecordOfAnotherSize) {
  ASSERT_TRUE(cv::imwrite(root_ + "small.png", Pattern(3, 3, 1)));
  ASSERT_TRUE(cv::imwrite(root_ + "big.png", Pattern(4, 4, 1)));
  WriteList("small.png 0\nbig.png 1\n");
  ASSERT_EQ(Convert().status, 0);
  ExpectOneLineError(Cnn("compute_image_mean " + Path("out") + " " + Path("mean.binaryproto")),
                     {"record '00000001_big.png' of '" + Path("out") + "' is 3x4x4",
                      "the first record '00000000_small.png' is 3x3x3"});
  EXPECT_FALSE(PathExists(Path("mean.binaryproto")));
}

#endif  // CNN_WITH_OPENCV

}  // namespace
}  // namespace test
}  // namespace cnn
