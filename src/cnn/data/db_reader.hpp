// RecordReader over an LMDB or LevelDB database: its records in key order,
// which is the order Caffe's Data layer delivers them in, or, shuffled, in
// an order drawn afresh for every pass.
//
// Shuffled, the keys are read once at opening (one walk of the cursor) and
// kept in one buffer: their bytes plus 8 bytes of offset and 4 of
// permutation per record (ImageNet's 1.28 M records: about 60 MB). Each
// record is then reached by a seek on its key. As with ImageListReader, a
// pass's permutation depends only on the seed and the pass number, so the
// seed and the offset are the whole position, and SeekTo jumps there
// without walking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cnn/data/db.hpp"
#include "cnn/data/record_reader.hpp"

namespace cnn {

class DbReader : public RecordReader {
 public:
  // Opens `source` for reading, on its first record. Throws Error when it
  // cannot be opened ("cannot open LMDB 'x': ...") or holds no records.
  DbReader(const std::string& backend, const std::string& source, bool shuffle = false, uint32_t seed = 0);

  void Next() override;
  // Walks from the first record: the database's size is only known after a
  // first pass, and then whole passes are skipped.
  void SeekTo(uint64_t offset) override;
  std::string Describe() const override;

  std::string key() const { return cursor_->key(); }
  std::string value() const { return cursor_->value(); }
  const std::string& backend() const { return db_->backend(); }
  const std::string& source() const { return db_->path(); }
  bool shuffled() const { return shuffle_; }
  uint32_t seed() const { return seed_; }
  uint64_t size() const { return db_size_; }  // shuffled: known from the start
  // The database's own count (DB::CountWithoutReading), before a first pass.
  uint64_t CountWithoutReading() const { return db_->CountWithoutReading(); }
  // Another seed (a restored one): the current pass is drawn again.
  void Reseed(uint32_t seed);

 private:
  // Shuffled: draws `pass`'s permutation and moves to its record `index_`.
  void Arrange(uint64_t pass);
  void SeekToIndex();

  std::unique_ptr<DB> db_;
  std::unique_ptr<Cursor> cursor_;
  uint64_t index_ = 0;    // the cursor's record number within the database (shuffled: within order_)
  uint64_t db_size_ = 0;  // known after the first wrap-around (shuffled: from the start); 0 before
  bool logged_wrap_ = false;

  bool shuffle_ = false;
  uint32_t seed_ = 0;
  uint64_t pass_ = 0;
  std::string key_bytes_;              // every key, end to end, in key order
  std::vector<uint64_t> key_starts_;   // key i is [key_starts_[i], key_starts_[i + 1])
  std::vector<uint32_t> order_;        // the current pass's key numbers
};

}  // namespace cnn
