#include "cnn/data/db_reader.hpp"

#include <glog/logging.h>

#include <cctype>
#include <cstdio>
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

}  // namespace

DbReader::DbReader(const std::string& backend, const std::string& source)
    : db_(OpenDB(backend, source, DB::READ)), cursor_(db_->NewCursor()) {
  CNN_CHECK(cursor_->Valid(), "database '" << source << "' holds no records");
}

void DbReader::Next() {
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
  s << "record " << index_ << " (key " << PrintableKey(cursor_->key()) << ") of '" << source() << "' ";
  return s.str();
}

}  // namespace cnn
