// DatumWriter: new databases only, batched commits, and no partial database
// left behind by a conversion that failed.
#include "cnn/data/datum_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/data/db.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

Datum ByteDatum(int label, const std::string& bytes) {
  Datum d;
  d.set_channels(1);
  d.set_height(1);
  d.set_width(static_cast<int>(bytes.size()));
  d.set_data(bytes);
  d.set_label(label);
  return d;
}

class DatumWriterTest : public ::testing::TestWithParam<const char*> {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string backend() const { return GetParam(); }
  std::string dir_ = MakeTempDir();
  std::string db_path_ = dir_ + "/db";
};

TEST_P(DatumWriterTest, WritesEveryRecordAcrossCommits) {
  {
    DatumWriter writer(backend(), db_path_, 2);
    for (int i = 0; i < 5; ++i)
      writer.Put("k" + std::to_string(i), ByteDatum(i, std::string(3, char('a' + i))));
    EXPECT_EQ(writer.count(), 5);
    writer.Finish();
  }
  auto db = OpenDB(backend(), db_path_, DB::READ);
  auto cursor = db->NewCursor();
  for (int i = 0; i < 5; ++i, cursor->Next()) {
    ASSERT_TRUE(cursor->Valid()) << i;
    EXPECT_EQ(cursor->key(), "k" + std::to_string(i));
    Datum d;
    ASSERT_TRUE(d.ParseFromString(cursor->value()));
    EXPECT_EQ(d.label(), i);
    EXPECT_EQ(d.data(), std::string(3, char('a' + i)));
  }
  EXPECT_FALSE(cursor->Valid());
}

TEST_P(DatumWriterTest, RefusesAnExistingPath) {
  std::filesystem::create_directory(db_path_);
  try {
    DatumWriter writer(backend(), db_path_);
    FAIL() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("'" + db_path_ + "' already exists; delete it first (rm -r " + db_path_),
        std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(PathExists(db_path_));  // what was there is left alone
}

TEST_P(DatumWriterTest, UnfinishedWriterRemovesWhatItWrote) {
  {
    DatumWriter writer(backend(), db_path_, 2);
    for (int i = 0; i < 5; ++i) writer.Put("k" + std::to_string(i), ByteDatum(i, "x"));
    EXPECT_TRUE(PathExists(db_path_));
  }
  EXPECT_FALSE(PathExists(db_path_));
  EXPECT_TRUE(PathExists(dir_));
}

INSTANTIATE_TEST_SUITE_P(Backends, DatumWriterTest, ::testing::Values("lmdb", "leveldb"));

TEST(DatumWriter, UnknownBackend) {
  const std::string dir = MakeTempDir();
  try {
    DatumWriter writer("sqlite", dir + "/db");
    ADD_FAILURE() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown database backend 'sqlite'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(PathExists(dir + "/db"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace test
}  // namespace cnn
