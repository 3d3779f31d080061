#include "cnn/data/db_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// Two digits keep key order the order of i.
std::string Key(int i) { return "k" + std::to_string(10 + i); }

// n records (n < 90): key Key(i), value "v<i>".
std::string MakeDB(const std::string& backend, int n) {
  const std::string path = test::MakeTempDir() + "/db";
  auto db = OpenDB(backend, path, DB::NEW);
  auto txn = db->NewTransaction();
  for (int i = 0; i < n; ++i) txn->Put(Key(i), "v" + std::to_string(i));
  txn->Commit();
  return path;
}

class DbReaderTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string backend() const { return GetParam(); }
};

TEST_P(DbReaderTest, WrapsAroundCountingTheOffset) {
  DbReader reader(backend(), MakeDB(backend(), 3));
  EXPECT_EQ(reader.backend(), backend());
  // Offsets 0..7 read records 0 1 2 0 1 2 0 1.
  for (int offset = 0; offset < 8; ++offset) {
    EXPECT_EQ(reader.offset(), static_cast<uint64_t>(offset));
    EXPECT_EQ(reader.value(), "v" + std::to_string(offset % 3));
    EXPECT_EQ(reader.key(), Key(offset % 3));
    reader.Next();
  }
}

TEST_P(DbReaderTest, SeekAndSkipLandOnTheRecordReadingWouldReach) {
  const std::string path = MakeDB(backend(), 4);
  for (uint64_t offset : {0u, 1u, 3u, 4u, 9u, 1001u}) {
    SCOPED_TRACE(offset);
    DbReader fresh(backend(), path);  // size not yet known: walks
    fresh.SeekTo(offset);
    EXPECT_EQ(fresh.offset(), offset);
    EXPECT_EQ(fresh.value(), "v" + std::to_string(offset % 4));
    DbReader skipped(backend(), path);
    skipped.Skip(offset);
    EXPECT_EQ(skipped.offset(), offset);
    EXPECT_EQ(skipped.key(), Key(static_cast<int>(offset % 4)));
  }
  // After a wrap the size is known; seeking back and forth stays right.
  DbReader reader(backend(), path);
  reader.Skip(6);
  for (uint64_t offset : {2u, 17u, 0u, 40000003u}) {
    reader.SeekTo(offset);
    EXPECT_EQ(reader.offset(), offset);
    EXPECT_EQ(reader.value(), "v" + std::to_string(offset % 4));
  }
}

TEST_P(DbReaderTest, DescribeNamesRecordKeyAndSource) {
  const std::string path = MakeDB(backend(), 3);
  DbReader reader(backend(), path);
  reader.Skip(4);
  EXPECT_EQ(reader.Describe(), "record 1 (key k11) of '" + path + "' ");
}

TEST_P(DbReaderTest, EmptyOrMissingDatabaseIsAnError) {
  const std::string empty = MakeDB(backend(), 0);
  try {
    DbReader reader(backend(), empty);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "database '" + empty + "' holds no records");
  }
  EXPECT_THROW(DbReader(backend(), test::MakeTempDir() + "/missing"), Error);
}

INSTANTIATE_TEST_SUITE_P(Backends, DbReaderTest, ::testing::Values("lmdb", "leveldb"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace cnn
