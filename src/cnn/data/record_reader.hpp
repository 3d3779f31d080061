// The reading side of a data layer: a cursor over the records of a source (a
// database, an image list) that starts again from the first record after the
// last, so a training run can read for as many epochs as it likes.
//
// The reader's position is its offset: the records consumed since the first
// one, growing across wrap-arounds (record = offset modulo the source's
// size). It is all a layer needs to save for resume: SeekTo(offset) puts a
// fresh reader on the same record, which is how a snapshot's data position
// is restored bit-exactly.
//
// Not thread-safe: one thread at a time (in practice the prefetch thread
// while it runs, the layer's thread while it is stopped).
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Moves to the next record; back to the first after the last. Throws Error
  // when the source cannot be read.
  virtual void Next() = 0;
  // Puts the reader `offset` records after the first one.
  virtual void SeekTo(uint64_t offset) = 0;
  // Moves n records on, as n Next()s would.
  void Skip(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) Next();
  }
  uint64_t offset() const { return offset_; }

  // Names the current record for a message that goes on to say what is
  // wrong with it: "record 3 (key 00000003) of 'train_lmdb' ".
  virtual std::string Describe() const = 0;

 protected:
  uint64_t offset_ = 0;
};

}  // namespace cnn
