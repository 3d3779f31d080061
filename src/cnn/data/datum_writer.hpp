// Writes a new database of Datum records the way Caffe's converters do:
// committing every so many records, so memory stays bounded and a reader
// never sees a half-applied batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"

namespace cnn {

class DatumWriter {
 public:
  // Throws Error when the backend is unknown or something already exists at
  // path (a converter never adds to or overwrites a database).
  DatumWriter(const std::string& backend, const std::string& path, int commit_every = 1000);
  // A writer destroyed before Finish (a conversion that failed part way)
  // removes what it wrote, so the same command can simply be run again.
  ~DatumWriter();
  DatumWriter(const DatumWriter&) = delete;
  DatumWriter& operator=(const DatumWriter&) = delete;

  void Put(const std::string& key, const Datum& datum);
  // Commits the last records and closes the database.
  void Finish();

  int64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int commit_every_;
  int64_t count_ = 0;
  std::unique_ptr<DB> db_;
  std::unique_ptr<Transaction> txn_;
  std::string buffer_;
};

}  // namespace cnn
