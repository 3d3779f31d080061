// `cnn extract_features` as a user runs it: the features it writes equal the
// blobs computed by hand from the weights file and the input records, in
// Caffe's record layout and keys, and its bad inputs are one-line errors that
// leave no database behind.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/context.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

constexpr int kRecords = 5;
constexpr int kValues = 6;  // each record is 1 x 2 x 3
constexpr int kOutputs = 4;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void ExpectOneLineError(const ToolResult& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 1) << r.output;
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
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

// Pixel j of record i.
int Pixel(int i, int j) { return (37 * i + 11 * j + 5) % 256; }

class ExtractFeatures : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    {
      DatumWriter writer("lmdb", Path("in"));
      for (int i = 0; i < kRecords; ++i) {
        Datum d;
        d.set_channels(1);
        d.set_height(2);
        d.set_width(3);
        std::string bytes;
        for (int j = 0; j < kValues; ++j) bytes.push_back(static_cast<char>(Pixel(i, j)));
        d.set_data(bytes);
        d.set_label(i);
        writer.Put("k" + std::to_string(i), d);
      }
      writer.Finish();
    }
    // A TRAIN-only layer shows that the TEST net is the one built.
    net_text_ = "name: \"feat\"\n"
                "layer { name: \"d\" type: \"Data\" top: \"data\" top: \"label\" transform_param { scale: 0.5 }\n"
                "  data_param { source: \"" + Path("in") + "\" batch_size: 2 backend: LMDB } }\n"
                "layer { name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"ip\"\n"
                "  inner_product_param { num_output: 4 weight_filler { type: \"gaussian\" std: 1 }\n"
                "    bias_filler { type: \"gaussian\" std: 1 } } }\n"
                "layer { name: \"train_only\" type: \"Power\" bottom: \"ip\" top: \"train_blob\"\n"
                "  include { phase: TRAIN } }\n";
    std::ofstream(Path("net.prototxt")) << net_text_;
    NetParameter param;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(net_text_, &param));
    param.mutable_state()->set_phase(TEST);
    Context::set_random_seed(1701);
    Net net(param);
    net.ToProto(&weights_);
    WriteProtoToBinaryFile(weights_, Path("w.caffemodel"));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  ToolResult Extract(const std::string& rest) {
    return Cnn("extract_features " + Path("w.caffemodel") + " " + Path("net.prototxt") + " " + rest);
  }

  // ip's row for record i, from the weights file's blobs: W (4 x 6) x + b.
  std::vector<float> ExpectedIp(int i) const {
    const LayerParameter* ip = nullptr;
    for (const auto& l : weights_.layer()) {
      if (l.name() == "ip") ip = &l;
    }
    EXPECT_NE(ip, nullptr);
    std::vector<float> out(kOutputs);
    for (int o = 0; o < kOutputs; ++o) {
      double sum = ip->blobs(1).data(o);
      for (int j = 0; j < kValues; ++j) sum += ip->blobs(0).data(o * kValues + j) * 0.5 * Pixel(i, j);
      out[o] = static_cast<float>(sum);
    }
    return out;
  }

  std::string dir_;
  std::string net_text_;
  NetParameter weights_;
};

TEST_F(ExtractFeatures, TwoBlobsIntoTwoDatabasesWithCaffesKeysAndShapes) {
  const ToolResult r = Extract("ip,data " + Path("ip_db") + "," + Path("data_db") + " 3");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "Wrote 6 features of blob ip (4 values each) to lmdb")) << r.output;
  // Three batches of two from five records: the last image is record 0 again.
  const auto ip = ReadAll("lmdb", Path("ip_db"));
  const auto data = ReadAll("lmdb", Path("data_db"));
  ASSERT_EQ(ip.size(), 6u);
  ASSERT_EQ(data.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    const int record = k % kRecords;
    char key[16];
    std::snprintf(key, sizeof key, "%010d", k);
    EXPECT_EQ(ip[k].first, key);
    EXPECT_EQ(data[k].first, key);
    const Datum& f = ip[k].second;
    EXPECT_EQ(f.channels(), kOutputs);
    EXPECT_EQ(f.height(), 1);
    EXPECT_EQ(f.width(), 1);
    EXPECT_FALSE(f.has_data());
    const std::vector<float> expected = ExpectedIp(record);
    ASSERT_EQ(f.float_data_size(), kOutputs);
    for (int o = 0; o < kOutputs; ++o) EXPECT_NEAR(f.float_data(o), expected[o], 1e-4) << k << " " << o;
    // A 4-D blob keeps its channels, height and width, as in Caffe.
    const Datum& d = data[k].second;
    EXPECT_EQ(d.channels(), 1);
    EXPECT_EQ(d.height(), 2);
    EXPECT_EQ(d.width(), 3);
    ASSERT_EQ(d.float_data_size(), kValues);
    for (int j = 0; j < kValues; ++j) EXPECT_FLOAT_EQ(d.float_data(j), 0.5f * Pixel(record, j)) << k << " " << j;
  }
}

// A net that asks for shared activations: ip's storage would be free for
// ip3 once ip2 has read it, but the blob asked for keeps its values.
TEST_F(ExtractFeatures, SharedActivationsKeepTheBlobsExtracted) {
  std::string text = net_text_ + "share_activations: true\n";
  for (const char* l : {"ip2\" bottom: \"ip", "ip3\" bottom: \"ip2", "ip4\" bottom: \"ip3"}) {
    const std::string top = std::string(l).substr(0, 3);
    text += std::string("layer { name: \"") + l + "\" top: \"" + top +
            "\" type: \"InnerProduct\"\n  inner_product_param { num_output: 4 weight_filler { type: \"gaussian\" std: 1 } } }\n";
  }
  std::ofstream(Path("shared.prototxt")) << text;
  const ToolResult r =
      Cnn("extract_features " + Path("w.caffemodel") + " " + Path("shared.prototxt") + " ip " + Path("ip_db") + " 1");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto ip = ReadAll("lmdb", Path("ip_db"));
  ASSERT_EQ(ip.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    const std::vector<float> expected = ExpectedIp(k);
    ASSERT_EQ(ip[k].second.float_data_size(), kOutputs);
    for (int o = 0; o < kOutputs; ++o) EXPECT_NEAR(ip[k].second.float_data(o), expected[o], 1e-4) << k << " " << o;
  }
}

TEST_F(ExtractFeatures, LeveldbByFlagOrByCaffesPositionalArgument) {
  ASSERT_EQ(Extract("ip " + Path("a") + " 1 --backend=leveldb").status, 0);
  const ToolResult r = Extract("ip " + Path("b") + " 1 leveldb CPU");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* name : {"a", "b"}) {
    const auto records = ReadAll("leveldb", Path(name));
    ASSERT_EQ(records.size(), 2u) << name;
    EXPECT_EQ(records[1].first, "0000000001");
    EXPECT_NEAR(records[1].second.float_data(2), ExpectedIp(1)[2], 1e-4);
  }
}

TEST_F(ExtractFeatures, WeightsMissingALayerAreWarnedAbout) {
  NetParameter other = weights_;
  other.mutable_layer(1)->set_name("renamed");
  WriteProtoToBinaryFile(other, Path("other.caffemodel"));
  const ToolResult r = Cnn("extract_features " + Path("other.caffemodel") + " " + Path("net.prototxt") + " ip " +
                           Path("out") + " 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "warning: " + Path("other.caffemodel") + " has no weights for layer(s) 'ip'"))
      << r.output;
}

TEST_F(ExtractFeatures, AMissingWeightsFileIsNamed) {
  ExpectOneLineError(Cnn("extract_features " + Path("none.caffemodel") + " " + Path("net.prototxt") + " ip " +
                         Path("out") + " 1"),
                     {Path("none.caffemodel")});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ExtractFeatures, UnknownBlobListsTheTestNetsBlobs) {
  ExpectOneLineError(Extract("train_blob " + Path("out") + " 1"),
                     {"unknown blob 'train_blob'", "data, label, ip"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ExtractFeatures, BlobAndDatabaseCountsMustMatch) {
  ExpectOneLineError(Extract("ip,data " + Path("out") + " 1"), {"2 blob name(s) but 1 database name(s)"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ExtractFeatures, AnExistingDatabaseIsRefusedBeforeAnyIsCreated) {
  std::filesystem::create_directory(Path("taken"));
  ExpectOneLineError(Extract("ip,data " + Path("fresh") + "," + Path("taken") + " 1"),
                     {"'" + Path("taken") + "' already exists"});
  EXPECT_FALSE(PathExists(Path("fresh")));
}

TEST_F(ExtractFeatures, NumBatchesMustBePositive) {
  ExpectOneLineError(Extract("ip " + Path("out") + " 0"), {"NUM_BATCHES must be positive, got 0"});
  ExpectOneLineError(Extract("ip " + Path("out") + " many"), {"NUM_BATCHES must be a positive whole number"});
  EXPECT_FALSE(PathExists(Path("out")));
}

TEST_F(ExtractFeatures, WrongArgumentCountAndBackend) {
  ExpectOneLineError(Cnn("extract_features a b c"), {"takes WEIGHTS NET", "got 3 argument(s)"});
  ExpectOneLineError(Extract("ip " + Path("out") + " 1 rocksdb"), {"unknown database backend 'rocksdb'"});
  EXPECT_FALSE(PathExists(Path("out")));
}

}  // namespace
}  // namespace test
}  // namespace cnn
