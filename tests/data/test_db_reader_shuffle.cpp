// DbReader with shuffle: every key once per pass, another order every pass,
// fixed by the seed, and a position (seed, offset) a fresh reader can jump to.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cnn/data/db.hpp"
#include "cnn/data/db_reader.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%05d", i);
  return buf;
}

class DbReaderShuffle : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = test::MakeTempDir() + "/db";
    auto db = OpenDB(GetParam(), path_, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < kRecords; ++i) txn->Put(Key(i), "value" + std::to_string(i));
    txn->Commit();
  }
  // The keys of `passes` whole passes, pass after pass.
  std::vector<std::vector<std::string>> Passes(DbReader& reader, int passes) {
    std::vector<std::vector<std::string>> out(passes);
    for (auto& pass : out)
      for (int i = 0; i < kRecords; ++i) {
        pass.push_back(reader.key());
        EXPECT_EQ(reader.value(), "value" + std::to_string(std::stoi(reader.key().substr(1))));
        reader.Next();
      }
    return out;
  }
  static constexpr int kRecords = 11;
  std::string path_;
};

TEST_P(DbReaderShuffle, EveryKeyOncePerPassInAnotherOrderEachPass) {
  DbReader reader(GetParam(), path_, true, 1234);
  EXPECT_EQ(reader.size(), static_cast<uint64_t>(kRecords));
  const auto passes = Passes(reader, 4);
  std::vector<std::string> all;
  for (int i = 0; i < kRecords; ++i) all.push_back(Key(i));
  for (const auto& pass : passes) {
    std::vector<std::string> sorted = pass;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, all);
    EXPECT_NE(pass, all);  // shuffled, not key order
  }
  for (size_t a = 0; a < passes.size(); ++a)
    for (size_t b = a + 1; b < passes.size(); ++b) EXPECT_NE(passes[a], passes[b]) << a << " " << b;
  EXPECT_EQ(reader.offset(), 4u * kRecords);
}

TEST_P(DbReaderShuffle, TheSeedFixesTheOrder) {
  DbReader a(GetParam(), path_, true, 7), b(GetParam(), path_, true, 7), c(GetParam(), path_, true, 8);
  const auto pa = Passes(a, 2);
  EXPECT_EQ(pa, Passes(b, 2));
  EXPECT_NE(pa, Passes(c, 2));
}

TEST_P(DbReaderShuffle, SeekToAndReseedStandWhereTheReaderStood) {
  DbReader straight(GetParam(), path_, true, 99);
  const auto passes = Passes(straight, 3);
  std::vector<std::string> flat;
  for (const auto& p : passes) flat.insert(flat.end(), p.begin(), p.end());
  for (uint64_t offset : {0u, 4u, 11u, 15u, 30u}) {
    DbReader fresh(GetParam(), path_, true, 5);  // another seed, then the saved one
    fresh.Reseed(99);
    fresh.SeekTo(offset);
    EXPECT_EQ(fresh.offset(), offset);
    for (uint64_t i = offset; i < flat.size(); ++i) {
      ASSERT_EQ(fresh.key(), flat[i]) << "from offset " << offset << ", record " << i;
      fresh.Next();
    }
  }
}

TEST_P(DbReaderShuffle, UnshuffledStaysInKeyOrder) {
  DbReader reader(GetParam(), path_);
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < kRecords; ++i) {
      EXPECT_EQ(reader.key(), Key(i));
      reader.Next();
    }
}

TEST_P(DbReaderShuffle, DescribeNamesTheRecordByItsKeyOrderNumber) {
  DbReader reader(GetParam(), path_, true, 3);
  const int number = std::stoi(reader.key().substr(1));
  EXPECT_EQ(reader.Describe(),
            "record " + std::to_string(number) + " (key " + reader.key() + ") of '" + path_ + "' ");
}

INSTANTIATE_TEST_SUITE_P(Backends, DbReaderShuffle, ::testing::Values("lmdb", "leveldb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cnn
