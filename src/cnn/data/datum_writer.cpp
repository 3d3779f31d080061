#include "cnn/data/datum_writer.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "cnn/core/common.hpp"

namespace cnn {

DatumWriter::DatumWriter(const std::string& backend, const std::string& path, int commit_every)
    : path_(path), commit_every_(commit_every) {
  CNN_CHECK(backend == "lmdb" || backend == "leveldb",
            "unknown database backend '" << backend << "' for '" << path << "'; use lmdb or leveldb");
  CNN_CHECK(commit_every > 0, "DatumWriter: commit_every must be positive, got " << commit_every);
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  CNN_CHECK(!exists, "output database '" << path << "' already exists; delete it first (rm -r " << path
                                         << ") or give another path");
  db_ = OpenDB(backend, path, DB::NEW);
  txn_ = db_->NewTransaction();
}

DatumWriter::~DatumWriter() {
  if (!db_) return;
  txn_.reset();
  db_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void DatumWriter::Put(const std::string& key, const Datum& datum) {
  CNN_CHECK(db_ != nullptr, "cannot write to '" << path_ << "': the database was already finished");
  datum.SerializeToString(&buffer_);
  txn_->Put(key, buffer_);
  if (++count_ % commit_every_ == 0) txn_->Commit();
}

void DatumWriter::Finish() {
  CNN_CHECK(db_ != nullptr, "cannot finish '" << path_ << "' twice");
  txn_->Commit();
  txn_.reset();
  db_.reset();
}

}  // namespace cnn
