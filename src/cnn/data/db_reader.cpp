#include "cnn/data/db_reader.hpp"

#include <glog/logging.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <random>
#include <sstream>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

// Keys are printable in databases Caffe's tools write; anything else is
// escaped so a message stays one readable line.
std::string PrintableKey(const std::string& key) {
  std::string out;
  const size_t limit = 64;
  for (size_t i = 0; i < key.size() && i < limit; ++i) {
    const unsigned char ch = static_cast<unsigned char>(key[i]);
    if (std::isprint(ch)) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  if (key.size() > limit) out += "...";
  return out;
}

// seed_seq's mixing and mt19937 are both fixed by the standard, so a pass's
// order is the same with every compiler and library.
uint32_t PassSeed(uint32_t seed, uint64_t pass) {
  std::seed_seq mix{seed, static_cast<uint32_t>(pass), static_cast<uint32_t>(pass >> 32)};
  std::mt19937 engine(mix);
  return static_cast<uint32_t>(engine());
}

// Uniform in [0, n) by rejection, not std::uniform_int_distribution, whose
// algorithm differs between standard libraries.
uint32_t Below(std::mt19937* engine, uint32_t n) {
  const uint32_t limit = UINT32_MAX - UINT32_MAX % n;
  uint32_t r;
  do r = static_cast<uint32_t>((*engine)()); while (r >= limit);
  return r % n;
}

}  // namespace

DbReader::DbReader(const std::string& backend, const std::string& source, bool shuffle, uint32_t seed)
    : db_(OpenDB(backend, source, DB::READ)), cursor_(db_->NewCursor()), shuffle_(shuffle), seed_(seed) {
  CNN_CHECK(cursor_->Valid(), "database '" << source << "' holds no records");
  if (!shuffle_) return;
  for (; cursor_->Valid(); cursor_->Next()) {
    key_starts_.push_back(key_bytes_.size());
    key_bytes_ += cursor_->key();
  }
  CNN_CHECK(key_starts_.size() <= UINT32_MAX, "database '" << source << "' has too many records to shuffle");
  db_size_ = key_starts_.size();
  key_starts_.push_back(key_bytes_.size());
  Arrange(0);
}

void DbReader::Arrange(uint64_t pass) {
  pass_ = pass;
  order_.resize(db_size_);
  for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::mt19937 engine(PassSeed(seed_, pass));
  for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[Below(&engine, static_cast<uint32_t>(i))]);
  SeekToIndex();
}

void DbReader::SeekToIndex() {
  const uint32_t k = order_[index_];
  const std::string key = key_bytes_.substr(key_starts_[k], key_starts_[k + 1] - key_starts_[k]);
  cursor_->Seek(key);
  CNN_CHECK(cursor_->Valid() && cursor_->key() == key,
            "database '" << source() << "' changed while being read: key " << PrintableKey(key) << " is gone");
}

void DbReader::Reseed(uint32_t seed) {
  if (!shuffle_ || seed == seed_) return;
  seed_ = seed;
  Arrange(pass_);
}

void DbReader::Next() {
  if (shuffle_) {
    ++offset_;
    if (++index_ == db_size_) {
      index_ = 0;
      Arrange(pass_ + 1);
    } else {
      SeekToIndex();
    }
    return;
  }
  cursor_->Next();
  ++index_;
  ++offset_;
  if (!cursor_->Valid()) {
    db_size_ = index_;
    index_ = 0;
    cursor_->SeekToFirst();
    if (!logged_wrap_) {
      VLOG(1) << "read all " << db_size_ << " records of '" << source() << "'; starting again from the first";
      logged_wrap_ = true;
    }
  }
}

void DbReader::SeekTo(uint64_t offset) {
  if (shuffle_) {
    offset_ = offset;
    index_ = offset % db_size_;
    const uint64_t pass = offset / db_size_;
    if (pass != pass_) {
      Arrange(pass);
    } else {
      SeekToIndex();
    }
    return;
  }
  cursor_->SeekToFirst();
  index_ = 0;
  uint64_t remaining = offset;
  while (remaining > 0) {
    // Whole passes over the database change nothing; the size is known after the first.
    if (db_size_ > 0 && index_ == 0) {
      remaining %= db_size_;
      if (remaining == 0) break;
    }
    Next();
    --remaining;
  }
  offset_ = offset;
}

std::string DbReader::Describe() const {
  std::ostringstream s;
  s << "record " << (shuffle_ ? order_[index_] : index_) << " (key " << PrintableKey(cursor_->key()) << ") of '" << source() << "' ";
  return s.str();
}

}  // namespace cnn
