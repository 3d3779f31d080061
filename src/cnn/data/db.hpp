// Key-value databases of training records, as Caffe's tools write them: LMDB
// (a directory holding data.mdb and lock.mdb) and LevelDB. Records are read
// in key order, which is the order Caffe's Data layer delivers them in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Walks the records in key order. A cursor starts on the first record. Not
// thread-safe: one thread at a time (any thread, not only its creator).
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  // Moves to the record with `key`, or the first one after it; not Valid()
  // when there is none.
  virtual void Seek(const std::string& key) = 0;
  // Throws Error when the database cannot be read (corruption, I/O).
  virtual void Next() = 0;
  // False past the last record (and on an empty database).
  virtual bool Valid() const = 0;
  virtual std::string key() const = 0;
  virtual std::string value() const = 0;
};

// Collects writes and applies them all at once on Commit; dropped uncommitted
// writes are discarded. Usable for several Put... Commit rounds.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual void Put(const std::string& key, const std::string& value) = 0;
  virtual void Commit() = 0;
};

class DB {
 public:
  // READ: an existing database, shared with any other reader of it (threads
  // and processes alike). WRITE: an existing one, or a new one when missing.
  // NEW: a new one; fails when something already exists at the path.
  enum Mode { READ, WRITE, NEW };

  virtual ~DB() = default;
  virtual std::unique_ptr<Cursor> NewCursor() = 0;
  // Throws Error for a database opened READ.
  virtual std::unique_ptr<Transaction> NewTransaction() = 0;

  const std::string& path() const { return path_; }
  const std::string& backend() const { return backend_; }
  // How many records the database holds, where the backend keeps the count
  // (LMDB); 0 where only a walk over every record would tell (LevelDB).
  virtual uint64_t CountWithoutReading() const { return 0; }

 protected:
  DB(std::string backend, std::string path) : path_(std::move(path)), backend_(std::move(backend)) {}

 private:
  std::string path_;
  std::string backend_;
};

// backend is "lmdb" or "leveldb". Throws Error naming the path and the cause
// ("cannot open LMDB 'x': No such file or directory").
std::unique_ptr<DB> OpenDB(const std::string& backend, const std::string& path, DB::Mode mode);
// The backend named by DataParameter.backend.
std::string BackendName(DataParameter::DB backend);

namespace detail {
std::unique_ptr<DB> OpenLMDB(const std::string& path, DB::Mode mode);
std::unique_ptr<DB> OpenLevelDB(const std::string& path, DB::Mode mode);
// The map size LMDB writers start with (1 GiB); tests shrink it to exercise
// the growth on a full map. Applies to databases opened afterwards.
void SetLmdbInitialMapSize(size_t bytes);
}  // namespace detail

}  // namespace cnn
