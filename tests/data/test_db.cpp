#include "cnn/data/db.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08d", i);
  return buf;
}

std::vector<std::pair<std::string, std::string>> ReadAll(DB* db) {
  std::vector<std::pair<std::string, std::string>> records;
  for (auto cursor = db->NewCursor(); cursor->Valid(); cursor->Next()) {
    records.emplace_back(cursor->key(), cursor->value());
  }
  return records;
}

class DBTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string backend() const { return GetParam(); }
  std::string NewPath() { return test::MakeTempDir() + "/db"; }
};

TEST_P(DBTest, WritesAndReadsBackInKeyOrder) {
  const std::string path = NewPath();
  {
    auto db = OpenDB(backend(), path, DB::NEW);
    EXPECT_EQ(db->backend(), backend());
    EXPECT_EQ(db->path(), path);
    auto txn = db->NewTransaction();
    // Written out of order: reading follows the keys' byte order.
    for (int i : {3, 0, 4, 1, 2}) txn->Put(Key(i), "value" + std::to_string(i) + std::string(1, '\0') + "x");
    txn->Commit();
  }
  auto db = OpenDB(backend(), path, DB::READ);
  // LMDB keeps the count (the solver's epochs use it); LevelDB would need a walk.
  EXPECT_EQ(db->CountWithoutReading(), backend() == "lmdb" ? 5u : 0u);
  const auto records = ReadAll(db.get());
  ASSERT_EQ(records.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i].first, Key(i));
    // Values are bytes: embedded NULs survive.
    EXPECT_EQ(records[i].second, "value" + std::to_string(i) + std::string(1, '\0') + "x");
  }
}

TEST_P(DBTest, CursorSeeksBackToFirst) {
  const std::string path = NewPath();
  {
    auto db = OpenDB(backend(), path, DB::NEW);
    auto txn = db->NewTransaction();
    txn->Put("a", "1");
    txn->Put("b", "2");
    txn->Commit();
  }
  auto db = OpenDB(backend(), path, DB::READ);
  auto cursor = db->NewCursor();
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "a");
  cursor->Next();
  EXPECT_EQ(cursor->value(), "2");
  cursor->Next();
  EXPECT_FALSE(cursor->Valid());
  cursor->SeekToFirst();
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "a");
  // A cursor keeps working after its DB object is gone.
  db.reset();
  cursor->Next();
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "b");
}

TEST_P(DBTest, SeveralCommitsAndDiscardedWrites) {
  const std::string path = NewPath();
  {
    auto db = OpenDB(backend(), path, DB::NEW);
    auto txn = db->NewTransaction();
    txn->Put("a", "1");
    txn->Commit();
    txn->Put("b", "2");
    txn->Put("a", "3");  // a later Put of a key replaces its value
    txn->Commit();
    auto dropped = db->NewTransaction();
    dropped->Put("c", "never committed");
  }
  {
    // WRITE reopens an existing database and adds to it.
    auto db = OpenDB(backend(), path, DB::WRITE);
    auto txn = db->NewTransaction();
    txn->Put("d", "4");
    txn->Commit();
  }
  auto db = OpenDB(backend(), path, DB::READ);
  const auto records = ReadAll(db.get());
  const std::vector<std::pair<std::string, std::string>> expected = {{"a", "3"}, {"b", "2"}, {"d", "4"}};
  EXPECT_EQ(records, expected);
}

TEST_P(DBTest, EmptyDatabaseHasNoValidCursor) {
  const std::string path = NewPath();
  OpenDB(backend(), path, DB::NEW);
  auto db = OpenDB(backend(), path, DB::READ);
  EXPECT_FALSE(db->NewCursor()->Valid());
}

TEST_P(DBTest, WriteCreatesAMissingDatabase) {
  const std::string path = NewPath();
  {
    auto db = OpenDB(backend(), path, DB::WRITE);
    auto txn = db->NewTransaction();
    txn->Put("k", "v");
    txn->Commit();
  }
  auto db = OpenDB(backend(), path, DB::READ);
  EXPECT_EQ(ReadAll(db.get()).size(), 1u);
}

TEST_P(DBTest, MissingDatabaseNamesThePath) {
  const std::string path = test::MakeTempDir() + "/no_such_db";
  const std::string name = backend() == "lmdb" ? "LMDB" : "LevelDB";
  try {
    OpenDB(backend(), path, DB::READ);
    FAIL() << "opened a missing database";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("cannot open " + name + " '" + path + "': "), 0u) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "reading must not create the database";
}

TEST_P(DBTest, NewRefusesAnExistingDatabase) {
  const std::string path = NewPath();
  OpenDB(backend(), path, DB::NEW);
  EXPECT_THROW(OpenDB(backend(), path, DB::NEW), Error);
}

TEST_P(DBTest, ReadOnlyRefusesWrites) {
  const std::string path = NewPath();
  OpenDB(backend(), path, DB::NEW);
  auto db = OpenDB(backend(), path, DB::READ);
  try {
    db->NewTransaction();
    FAIL() << "a read-only database gave a transaction";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opened for reading"), std::string::npos) << e.what();
  }
}

TEST_P(DBTest, ManyReadersAtOnce) {
  const std::string path = NewPath();
  const int n = 200;
  {
    auto db = OpenDB(backend(), path, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < n; ++i) txn->Put(Key(i), std::string(100, static_cast<char>(i)));
    txn->Commit();
  }
  // Two opens of the same path (two Data layers on one database) and
  // cursors read on threads other than the one that made them.
  auto db1 = OpenDB(backend(), path, DB::READ);
  auto db2 = OpenDB(backend(), path, DB::READ);
  std::vector<std::unique_ptr<Cursor>> cursors;
  for (int t = 0; t < 4; ++t) cursors.push_back((t % 2 ? db1 : db2)->NewCursor());
  std::vector<int> counts(cursors.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < cursors.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int pass = 0; pass < 3; ++pass) {
        int i = 0;
        for (cursors[t]->SeekToFirst(); cursors[t]->Valid(); cursors[t]->Next(), ++i) {
          if (cursors[t]->key() == Key(i) && cursors[t]->value() == std::string(100, static_cast<char>(i))) {
            ++counts[t];
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int c : counts) EXPECT_EQ(c, 3 * n);
}

INSTANTIATE_TEST_SUITE_P(Backends, DBTest, ::testing::Values("lmdb", "leveldb"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Kibibytes of `file` mapped into this process and resident (its smaps Rss).
size_t ResidentKiBOfMapping(const std::string& file) {
  std::ifstream smaps("/proc/self/smaps");
  size_t kib = 0;
  bool in_file = false;
  for (std::string line; std::getline(smaps, line);) {
    const size_t space = line.find(' ');
    if (space != std::string::npos && line.find('-') < space) {  // a mapping's header line
      in_file = line.size() >= file.size() && line.compare(line.size() - file.size(), file.size(), file) == 0;
    } else if (in_file && line.rfind("Rss:", 0) == 0) {
      kib += std::stoul(line.substr(4));
    }
  }
  return kib;
}

// A pass over a database larger than memory must not keep it mapped: the
// reader hands pages back as it goes. The kernel maps file pages in folios
// of up to megabytes once readahead has ramped up (Linux 6.x), so a page
// touched again after a hand-back brings its whole folio back; handing back
// only the pages read since the last time left those behind (LeNet's
// Fashion-MNIST pass grew 26 MiB resident).
TEST(LmdbCursor, APassKeepsLittleOfTheFileResident) {
  const std::string path = test::MakeTempDir() + "/db";
  const int n = 40000;  // 40,000 records of 1 KiB: about 47 MiB of pages
  {
    auto db = OpenDB("lmdb", path, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < n; ++i) txn->Put(Key(i), std::string(1000, static_cast<char>(i)));
    txn->Commit();
  }
  // Out of the page cache, so that reading it goes through readahead.
  const int fd = open((path + "/data.mdb").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);

  auto db = OpenDB("lmdb", path, DB::READ);
  size_t peak_kib = 0;
  int i = 0;
  for (auto cursor = db->NewCursor(); cursor->Valid(); cursor->Next(), ++i) {
    ASSERT_EQ(cursor->value()[0], static_cast<char>(i));
    if (i % 500 == 0) peak_kib = std::max(peak_kib, ResidentKiBOfMapping(path + "/data.mdb"));
  }
  EXPECT_EQ(i, n);
  EXPECT_LT(peak_kib, 12u * 1024) << "of a 47 MiB database";
}

TEST(DB, UnknownBackend) {
  try {
    OpenDB("rocksdb", "/tmp/x", DB::READ);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown database backend 'rocksdb'"), std::string::npos) << e.what();
  }
}

TEST(DB, BackendNames) {
  EXPECT_EQ(BackendName(DataParameter::LMDB), "lmdb");
  EXPECT_EQ(BackendName(DataParameter::LEVELDB), "leveldb");
  // Caffe's default backend is LevelDB.
  EXPECT_EQ(DataParameter().backend(), DataParameter::LEVELDB);
}

TEST(DB, LmdbMapGrowsWhenFull) {
  // A tiny starting map makes one commit overflow it several times over.
  detail::SetLmdbInitialMapSize(64 << 10);
  const std::string path = test::MakeTempDir() + "/db";
  const int n = 300;
  const std::string big(4000, 'z');
  {
    auto db = OpenDB("lmdb", path, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < n; ++i) txn->Put(Key(i), big + std::to_string(i));
    txn->Commit();
    // A second round on the already grown map.
    for (int i = n; i < 2 * n; ++i) txn->Put(Key(i), big + std::to_string(i));
    txn->Commit();
  }
  detail::SetLmdbInitialMapSize(size_t(1) << 30);
  auto db = OpenDB("lmdb", path, DB::READ);
  const auto records = ReadAll(db.get());
  ASSERT_EQ(records.size(), size_t(2 * n));
  for (int i = 0; i < 2 * n; ++i) EXPECT_EQ(records[i].second, big + std::to_string(i));
}

TEST(DB, LmdbIsADirectoryCaffeCanRead) {
  const std::string path = test::MakeTempDir() + "/db";
  OpenDB("lmdb", path, DB::NEW);
  EXPECT_TRUE(std::filesystem::exists(path + "/data.mdb"));
  EXPECT_TRUE(std::filesystem::exists(path + "/lock.mdb"));
}

// Regression (reliability issue, item 3): reading a page past the end of a
// truncated data.mdb raised SIGBUS instead of an error.
TEST(DB, TruncatedLmdbIsAnErrorNamingTheFile) {
  const std::string path = test::MakeTempDir() + "/db";
  {
    auto db = OpenDB("lmdb", path, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < 200; ++i) txn->Put(Key(i), std::string(3000, 'a' + i % 26));
    txn->Commit();
  }
  const std::string file = path + "/data.mdb";
  const auto size = std::filesystem::file_size(file);
  ASSERT_GT(size, 16u * 4096u);
  for (const auto cut : {size / 2, size - 4096, uintmax_t(3 * 4096)}) {
    SCOPED_TRACE(cut);
    std::filesystem::resize_file(file, cut);
    const std::string message = test::ErrorOf([&] {
      auto db = OpenDB("lmdb", path, DB::READ);
      ReadAll(db.get());
    });
    EXPECT_NE(message.find("LMDB '" + path + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace cnn
