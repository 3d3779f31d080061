// `cnn convert_cifar10` and data/cifar10/convert.sh on batches in the CIFAR-10
// binary format written here (the release itself cannot be fetched): the
// records read back byte for byte, Caffe's keys, the mean, and the errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/cifar10_reader.hpp"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// Record i of batch b: label (b + i) % 10, pixels a function of all three.
std::string Record(int batch, int i) {
  std::string r(kCifar10RecordBytes, '\0');
  r[0] = static_cast<char>((batch + i) % kCifar10Classes);
  for (size_t p = 0; p < kCifar10ImageBytes; ++p) r[1 + p] = static_cast<char>((p * 7 + i * 13 + batch * 29) % 256);
  return r;
}

void WriteBatch(const std::string& path, int batch, int records, const std::string& tail = "") {
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < records; ++i) out << Record(batch, i);
  out << tail;
}

class ConvertCifar10 : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir();
    in_ = dir_ + "/cifar-10-batches-bin";
    std::filesystem::create_directories(in_);
    for (int b = 1; b <= 5; ++b) WriteBatch(in_ + "/data_batch_" + std::to_string(b) + ".bin", b, 3);
    WriteBatch(in_ + "/test_batch.bin", 0, 4);
  }
  std::string dir_, in_;
};

TEST_F(ConvertCifar10, WritesCaffesRecordsAndKeys) {
  const auto r = test::Cnn("convert_cifar10 " + in_ + " " + dir_);
  ASSERT_EQ(r.status, 0) << r.output;
  auto train = OpenDB("lmdb", dir_ + "/cifar10_train_lmdb", DB::READ);
  int n = 0;
  for (auto c = train->NewCursor(); c->Valid(); c->Next(), ++n) {
    char key[8];
    std::snprintf(key, sizeof key, "%05d", n);
    EXPECT_EQ(c->key(), key);
    Datum d;
    ASSERT_TRUE(d.ParseFromString(c->value()));
    EXPECT_EQ(d.channels(), 3);
    EXPECT_EQ(d.height(), 32);
    EXPECT_EQ(d.width(), 32);
    const std::string expected = Record(n / 3 + 1, n % 3);
    EXPECT_EQ(d.label(), expected[0]);
    EXPECT_EQ(d.data(), expected.substr(1)) << "record " << n;
  }
  EXPECT_EQ(n, 15);
  auto test = OpenDB("lmdb", dir_ + "/cifar10_test_lmdb", DB::READ);
  n = 0;
  for (auto c = test->NewCursor(); c->Valid(); c->Next()) ++n;
  EXPECT_EQ(n, 4);
}

TEST_F(ConvertCifar10, DamagedOrMissingBatchesAreNamedAndLeaveNothing) {
  struct Case {
    std::string file;
    int records;
    std::string tail, expect;
  };
  const std::vector<Case> cases = {
      {"data_batch_3.bin", 2, std::string(100, 'x'), "is cut short after 100 bytes"},
      {"data_batch_2.bin", 0, "", "is empty"},
      {"test_batch.bin", 1, std::string(1, '\x0c') + std::string(kCifar10ImageBytes, 'a'), "label 12"},
  };
  for (const auto& c : cases) {
    SetUp();
    WriteBatch(in_ + "/" + c.file, 1, c.records, c.tail);
    const auto r = test::Cnn("convert_cifar10 " + in_ + " " + dir_);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("cnn: error: " + in_ + "/" + c.file + ": "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << r.output;
    if (c.file != "test_batch.bin") EXPECT_FALSE(test::PathExists(dir_ + "/cifar10_train_lmdb"));
    EXPECT_FALSE(test::PathExists(dir_ + "/cifar10_test_lmdb"));
  }
  std::filesystem::remove(in_ + "/data_batch_4.bin");
  const auto r = test::Cnn("convert_cifar10 " + in_ + " " + dir_ + "/out");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("data_batch_4.bin"), std::string::npos) << r.output;
}

TEST_F(ConvertCifar10, ScriptConvertsAnArchiveAndComputesTheMean) {
  const std::string archive = dir_ + "/cifar-10-binary.tar.gz";
  std::string out;
  ASSERT_EQ(test::RunCommand("tar -czf " + archive + " -C " + dir_ + " cifar-10-batches-bin", &out), 0) << out;
  // The script writes beside itself: run a copy in a scratch tree.
  const std::string tree = dir_ + "/tree/data/cifar10";
  std::filesystem::create_directories(tree);
  std::filesystem::copy_file(test::SourcePath("data/cifar10/convert.sh"), tree + "/convert.sh");
  const std::string run = "CNN=" + test::ToolPath() + " bash " + tree + "/convert.sh " + archive;
  ASSERT_EQ(test::RunCommand(run, &out), 0) << out;
  BlobProto mean;
  ReadProtoFromBinaryFile(tree + "/mean.binaryproto", &mean);
  ASSERT_EQ(mean.data_size(), static_cast<int>(kCifar10ImageBytes));
  // Pixel 0 of the 15 training records, averaged.
  double sum = 0;
  for (int b = 1; b <= 5; ++b)
    for (int i = 0; i < 3; ++i) sum += static_cast<uint8_t>(Record(b, i)[1]);
  EXPECT_NEAR(mean.data(0), sum / 15, 1e-4);
  EXPECT_TRUE(test::PathExists(tree + "/cifar10_test_lmdb"));
  // A second run keeps what is there.
  ASSERT_EQ(test::RunCommand(run, &out), 0) << out;
  EXPECT_NE(out.find("kept"), std::string::npos) << out;
}

}  // namespace
}  // namespace cnn
