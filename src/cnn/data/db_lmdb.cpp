#include <glog/logging.h>
#include <lmdb.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/db.hpp"

namespace cnn {
namespace detail {
namespace {

// Writers start with a 1 GiB map and double it whenever a commit does not fit.
std::atomic<size_t> initial_map_size{size_t(1) << 30};

// One LMDB environment (the open directory). LMDB must not open the same
// environment twice in one process (closing either drops the locks of the
// other), so all readers of a path share one Env.
class Env {
 public:
  Env(const std::string& path, DB::Mode mode) : path_(path) {
    int rc = mdb_env_create(&env_);
    CNN_CHECK(rc == 0, "cannot open LMDB '" << path << "': " << mdb_strerror(rc));
    if (mode != DB::READ) {
      rc = mdb_env_set_mapsize(env_, initial_map_size.load());
      if (rc != 0) Fail("cannot open", rc);
    }
    // MDB_NOTLS ties read transactions to their cursor instead of the thread,
    // so a cursor made on one thread can be read on a prefetch thread and one
    // thread can hold several cursors. Readers keep LMDB's lock file (no
    // MDB_NOLOCK), which is what makes many concurrent readers safe.
    const unsigned flags = (mode == DB::READ ? MDB_RDONLY : 0u) | MDB_NOTLS;
    rc = mdb_env_open(env_, path.c_str(), flags, 0664);
    if (rc != 0) Fail("cannot open", rc);
    // The handle of the main database is opened once here: mdb_dbi_open must
    // not run concurrently, and cursors made later on other threads reuse it.
    MDB_txn* txn = nullptr;
    rc = mdb_txn_begin(env_, nullptr, mode == DB::READ ? MDB_RDONLY : 0u, &txn);
    if (rc != 0) Fail("cannot open", rc);
    rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc != 0) {
      mdb_txn_abort(txn);
      Fail("cannot open", rc);
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) Fail("cannot open", rc);
    if (mode == DB::READ) CheckFileHoldsEveryPage();
  }
  ~Env() {
    if (env_) mdb_env_close(env_);
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* env() const { return env_; }
  MDB_dbi dbi() const { return dbi_; }
  const std::string& path() const { return path_; }

  // Reads go through a memory map: a page past the end of a truncated file
  // (a partial copy, a full disk) is not an error code but SIGBUS, on
  // whichever thread touches it. The meta page says how many pages the
  // database uses; the file must hold them all.
  void CheckFileHoldsEveryPage() {
    MDB_envinfo info;
    MDB_stat stat;
    mdb_filehandle_t fd;
    int rc = mdb_env_info(env_, &info);
    if (rc == 0) rc = mdb_env_stat(env_, &stat);
    if (rc == 0) rc = mdb_env_get_fd(env_, &fd);
    if (rc != 0) Fail("cannot open", rc);
    struct stat st;
    if (fstat(fd, &st) != 0) Fail("cannot open", errno);
    const uint64_t needed = (static_cast<uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
    if (static_cast<uint64_t>(st.st_size) < needed) {
      const std::string message = "LMDB '" + path_ + "' is truncated: its data file holds " +
                                  std::to_string(st.st_size) + " bytes, but the database uses " +
                                  std::to_string(info.me_last_pgno + 1) + " pages of " +
                                  std::to_string(stat.ms_psize) + " bytes (" + std::to_string(needed) +
                                  " bytes); copy it again or rebuild it";
      mdb_env_close(env_);
      env_ = nullptr;
      throw Error(message);
    }
  }

  [[noreturn]] void Fail(const char* what, int rc) {
    const std::string message = std::string(what) + " LMDB '" + path_ + "': " + mdb_strerror(rc);
    if (env_) mdb_env_close(env_);
    env_ = nullptr;
    throw Error(message);
  }

 private:
  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

std::string CanonicalPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::shared_ptr<Env> SharedReadEnv(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Env>> open_envs;
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<Env>& slot = open_envs[CanonicalPath(path)];
  std::shared_ptr<Env> env = slot.lock();
  if (!env) {
    env = std::make_shared<Env>(path, DB::READ);
    slot = env;
  }
  return env;
}

class LmdbCursor : public Cursor {
 public:
  explicit LmdbCursor(std::shared_ptr<Env> env) : env_(std::move(env)) {
    int rc = mdb_txn_begin(env_->env(), nullptr, MDB_RDONLY, &txn_);
    CNN_CHECK(rc == 0, "cannot read LMDB '" << env_->path() << "': " << mdb_strerror(rc));
    rc = mdb_cursor_open(txn_, env_->dbi(), &cursor_);
    if (rc != 0) {
      mdb_txn_abort(txn_);
      CNN_THROW("cannot read LMDB '" << env_->path() << "': " << mdb_strerror(rc));
    }
    SeekToFirst();
  }
  ~LmdbCursor() override {
    mdb_cursor_close(cursor_);
    mdb_txn_abort(txn_);
  }

  void SeekToFirst() override {
    // A small database wraps around often; release on the same byte budget.
    if (read_bytes_ >= kReleaseEvery) ReleaseReadPages();
    Get(MDB_FIRST);
  }
  void Seek(const std::string& key) override {
    if (read_bytes_ >= kReleaseEvery) ReleaseReadPages();
    key_.mv_size = key.size();
    key_.mv_data = const_cast<char*>(key.data());
    Get(MDB_SET_RANGE);
  }
  void Next() override {
    if (read_bytes_ >= kReleaseEvery) ReleaseReadPages();
    Get(MDB_NEXT);
  }
  bool Valid() const override { return valid_; }
  std::string key() const override { return std::string(static_cast<const char*>(key_.mv_data), key_.mv_size); }
  std::string value() const override {
    return std::string(static_cast<const char*>(value_.mv_data), value_.mv_size);
  }

 private:
  void Get(MDB_cursor_op op) {
    const int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    valid_ = rc == 0;
    CNN_CHECK(rc == 0 || rc == MDB_NOTFOUND, "cannot read LMDB '" << env_->path() << "': " << mdb_strerror(rc));
    if (valid_) {
      const auto* begin = static_cast<const char*>(value_.mv_data);
      read_lo_ = std::min(read_lo_, begin);
      read_hi_ = std::max(read_hi_, begin + value_.mv_size);
      read_bytes_ += value_.mv_size;
    }
  }

  // key() and value() hand out copies, so no mapped page is in use between
  // calls. Handing the pages back every MiB read keeps a pass over a large
  // database from staying resident in this process; they stay in the
  // kernel's page cache for the next epoch. Every page this cursor has read
  // goes back, not just those read since the last time: the kernel maps
  // file pages in folios of up to megabytes, so touching one page again
  // brings back the part of its folio handed back before. Other cursors of
  // this environment lose nothing: the map is a shared read-only file
  // mapping, and a page they touch next is mapped again from the cache.
  void ReleaseReadPages() {
    read_bytes_ = 0;
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t lo = reinterpret_cast<uintptr_t>(read_lo_) & ~(page - 1);
    const uintptr_t hi = (reinterpret_cast<uintptr_t>(read_hi_) + page - 1) & ~(page - 1);
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  }

  static constexpr size_t kReleaseEvery = size_t(1) << 20;
  // The span of the map this cursor's records were read from.
  const char* read_lo_ = reinterpret_cast<const char*>(UINTPTR_MAX);
  const char* read_hi_ = nullptr;
  size_t read_bytes_ = 0;

  std::shared_ptr<Env> env_;
  MDB_txn* txn_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
  bool valid_ = false;
};

class LmdbTransaction : public Transaction {
 public:
  explicit LmdbTransaction(std::shared_ptr<Env> env) : env_(std::move(env)) {}

  void Put(const std::string& key, const std::string& value) override { pending_.emplace_back(key, value); }

  void Commit() override {
    // All pending writes go in one write transaction; when the map is full
    // the whole transaction is retried on a doubled map.
    while (!TryCommit()) DoubleMapSize();
    pending_.clear();
  }

 private:
  bool TryCommit() {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_->env(), nullptr, 0, &txn);
    Check(rc);
    for (auto& kv : pending_) {
      MDB_val key{kv.first.size(), const_cast<char*>(kv.first.data())};
      MDB_val value{kv.second.size(), const_cast<char*>(kv.second.data())};
      rc = mdb_put(txn, env_->dbi(), &key, &value, 0);
      if (rc == MDB_MAP_FULL) {
        mdb_txn_abort(txn);
        return false;
      }
      if (rc != 0) {
        mdb_txn_abort(txn);
        Check(rc);
      }
    }
    rc = mdb_txn_commit(txn);  // frees txn whatever the outcome
    if (rc == MDB_MAP_FULL) return false;
    Check(rc);
    return true;
  }

  void DoubleMapSize() {
    MDB_envinfo info;
    Check(mdb_env_info(env_->env(), &info));
    const size_t new_size = info.me_mapsize * 2;
    VLOG(1) << "LMDB '" << env_->path() << "': growing the map to " << (new_size >> 20) << " MiB";
    Check(mdb_env_set_mapsize(env_->env(), new_size));
  }

  void Check(int rc) const {
    CNN_CHECK(rc == 0, "cannot write to LMDB '" << env_->path() << "': " << mdb_strerror(rc));
  }

  std::shared_ptr<Env> env_;
  std::vector<std::pair<std::string, std::string>> pending_;
};

class LmdbDB : public DB {
 public:
  LmdbDB(const std::string& path, DB::Mode mode, std::shared_ptr<Env> env)
      : DB("lmdb", path), mode_(mode), env_(std::move(env)) {}

  std::unique_ptr<Cursor> NewCursor() override { return std::make_unique<LmdbCursor>(env_); }
  uint64_t CountWithoutReading() const override {
    MDB_stat stat;
    return mdb_env_stat(env_->env(), &stat) == 0 ? static_cast<uint64_t>(stat.ms_entries) : 0;
  }
  std::unique_ptr<Transaction> NewTransaction() override {
    CNN_CHECK(mode_ != DB::READ, "cannot write to LMDB '" << path() << "': it was opened for reading");
    return std::make_unique<LmdbTransaction>(env_);
  }

 private:
  DB::Mode mode_;
  std::shared_ptr<Env> env_;
};

}  // namespace

std::unique_ptr<DB> OpenLMDB(const std::string& path, DB::Mode mode) {
  if (mode == DB::READ) return std::make_unique<LmdbDB>(path, mode, SharedReadEnv(path));
  // An LMDB database is a directory; Caffe's tools create it, so do we.
  if (::mkdir(path.c_str(), 0755) != 0) {
    const int err = errno;
    CNN_CHECK(err == EEXIST, "cannot create LMDB '" << path << "': " << std::strerror(err));
    CNN_CHECK(mode != DB::NEW, "cannot create LMDB '" << path << "': it already exists");
  }
  return std::make_unique<LmdbDB>(path, mode, std::make_shared<Env>(path, mode));
}

void SetLmdbInitialMapSize(size_t bytes) { initial_map_size = bytes; }

}  // namespace detail
}  // namespace cnn
