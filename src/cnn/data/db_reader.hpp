// RecordReader over an LMDB or LevelDB database: its records in key order,
// which is the order Caffe's Data layer delivers them in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cnn/data/db.hpp"
#include "cnn/data/record_reader.hpp"

namespace cnn {

class DbReader : public RecordReader {
 public:
  // Opens `source` for reading, on its first record. Throws Error when it
  // cannot be opened ("cannot open LMDB 'x': ...") or holds no records.
  DbReader(const std::string& backend, const std::string& source);

  void Next() override;
  // Walks from the first record: the database's size is only known after a
  // first pass, and then whole passes are skipped.
  void SeekTo(uint64_t offset) override;
  std::string Describe() const override;

  std::string key() const { return cursor_->key(); }
  std::string value() const { return cursor_->value(); }
  const std::string& backend() const { return db_->backend(); }
  const std::string& source() const { return db_->path(); }

 private:
  std::unique_ptr<DB> db_;
  std::unique_ptr<Cursor> cursor_;
  uint64_t index_ = 0;    // the cursor's record number within the database
  uint64_t db_size_ = 0;  // known after the first wrap-around; 0 before
  bool logged_wrap_ = false;
};

}  // namespace cnn
