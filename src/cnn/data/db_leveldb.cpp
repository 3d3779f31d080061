#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "cnn/core/common.hpp"
#include "cnn/data/db.hpp"

namespace cnn {
namespace detail {
namespace {

// Records are whole training examples (a few KiB to a few hundred KiB each)
// read front to back, so a table block several times LevelDB's 4 KiB default
// keeps the block index small and a record in one or two block reads.
constexpr size_t kTableBlockBytes = 64 << 10;
// Conversion tools write millions of records in one go. A large memtable
// flushes to fewer, bigger level-0 tables and so triggers fewer compactions
// while writing; the memory is taken only as records arrive, so a reader
// does not pay for it.
constexpr size_t kMemtableBytes = 256 << 20;
// Several databases may be open at once (a train and a test Data layer,
// each read by its prefetch thread). A sequential scan touches few tables
// at a time, and 100 descriptors per database stay well inside the usual
// 1024-descriptor limit where LevelDB's default of 1000 would not.
constexpr int kMaxOpenTables = 100;

leveldb::Options OptionsFor(DB::Mode mode) {
  leveldb::Options options;
  options.block_size = kTableBlockBytes;
  options.write_buffer_size = kMemtableBytes;
  options.max_open_files = kMaxOpenTables;
  // NEW refuses to add to an existing database (a conversion run twice
  // would interleave two data sets); WRITE may create or extend; READ
  // must find one.
  options.error_if_exists = mode == DB::NEW;
  options.create_if_missing = mode != DB::READ;
  return options;
}

class Handle {
 public:
  Handle(const std::string& path, DB::Mode mode) : path_(path) {
    leveldb::DB* db = nullptr;
    const leveldb::Status status = leveldb::DB::Open(OptionsFor(mode), path, &db);
    CNN_CHECK(status.ok(), "cannot open LevelDB '" << path << "': " << status.ToString());
    db_.reset(db);
  }

  leveldb::DB* db() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<leveldb::DB> db_;
};

// LevelDB locks its directory against a second open, even by the same
// process, so every reader of a path in this process shares one handle
// (LevelDB handles are safe for concurrent readers).
std::shared_ptr<Handle> SharedReadHandle(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Handle>> open_dbs;
  char buf[PATH_MAX];
  const std::string key = realpath(path.c_str(), buf) ? std::string(buf) : path;
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<Handle>& slot = open_dbs[key];
  std::shared_ptr<Handle> handle = slot.lock();
  if (!handle) {
    handle = std::make_shared<Handle>(path, DB::READ);
    slot = handle;
  }
  return handle;
}

class LevelDbCursor : public Cursor {
 public:
  explicit LevelDbCursor(std::shared_ptr<Handle> handle)
      : handle_(std::move(handle)), iter_(handle_->db()->NewIterator(leveldb::ReadOptions())) {
    SeekToFirst();
  }
  // The iterator must go before the handle that owns its database.
  ~LevelDbCursor() override { iter_.reset(); }

  void SeekToFirst() override {
    iter_->SeekToFirst();
    CheckStatus();
  }
  void Seek(const std::string& key) override {
    iter_->Seek(key);
    CheckStatus();
  }
  void Next() override {
    iter_->Next();
    CheckStatus();
  }
  bool Valid() const override { return iter_->Valid(); }
  std::string key() const override { return iter_->key().ToString(); }
  std::string value() const override { return iter_->value().ToString(); }

 private:
  void CheckStatus() const {
    const leveldb::Status status = iter_->status();
    CNN_CHECK(status.ok(), "cannot read LevelDB '" << handle_->path() << "': " << status.ToString());
  }

  std::shared_ptr<Handle> handle_;
  std::unique_ptr<leveldb::Iterator> iter_;
};

class LevelDbTransaction : public Transaction {
 public:
  explicit LevelDbTransaction(std::shared_ptr<Handle> handle) : handle_(std::move(handle)) {}

  void Put(const std::string& key, const std::string& value) override { batch_.Put(key, value); }
  void Commit() override {
    const leveldb::Status status = handle_->db()->Write(leveldb::WriteOptions(), &batch_);
    CNN_CHECK(status.ok(), "cannot write to LevelDB '" << handle_->path() << "': " << status.ToString());
    batch_.Clear();
  }

 private:
  std::shared_ptr<Handle> handle_;
  leveldb::WriteBatch batch_;
};

class LevelDbDB : public DB {
 public:
  LevelDbDB(const std::string& path, DB::Mode mode, std::shared_ptr<Handle> handle)
      : DB("leveldb", path), mode_(mode), handle_(std::move(handle)) {}

  std::unique_ptr<Cursor> NewCursor() override { return std::make_unique<LevelDbCursor>(handle_); }
  std::unique_ptr<Transaction> NewTransaction() override {
    CNN_CHECK(mode_ != DB::READ, "cannot write to LevelDB '" << path() << "': it was opened for reading");
    return std::make_unique<LevelDbTransaction>(handle_);
  }

 private:
  DB::Mode mode_;
  std::shared_ptr<Handle> handle_;
};

}  // namespace

std::unique_ptr<DB> OpenLevelDB(const std::string& path, DB::Mode mode) {
  if (mode == DB::READ) {
    // LevelDB would create the directory (and a LOCK file) before noticing
    // there is no database, leaving litter behind a mistyped path.
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      const int err = errno;
      CNN_THROW("cannot open LevelDB '" << path << "': " << std::strerror(err));
    }
  }
  if (mode == DB::READ) return std::make_unique<LevelDbDB>(path, mode, SharedReadHandle(path));
  return std::make_unique<LevelDbDB>(path, mode, std::make_shared<Handle>(path, mode));
}

}  // namespace detail
}  // namespace cnn
