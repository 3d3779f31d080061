#include "cnn/data/image_list_reader.hpp"

#include <random>
#include <sstream>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

// seed_seq's mixing and mt19937 are both fixed by the standard, so a pass's
// seed is the same with every compiler and library.
uint32_t PassSeed(uint32_t seed, uint64_t pass) {
  std::seed_seq mix{seed, static_cast<uint32_t>(pass), static_cast<uint32_t>(pass >> 32)};
  std::mt19937 engine(mix);
  return static_cast<uint32_t>(engine());
}

}  // namespace

ImageListReader::ImageListReader(const std::string& list_path, const std::string& root, bool shuffle,
                                 uint32_t seed)
    : list_path_(list_path), root_(root), shuffle_(shuffle), seed_(seed), entries_(ReadImageList(list_path)) {
  CNN_CHECK(!entries_.empty(), "the image list '" << list_path << "' names no images");
  Arrange(0);
}

void ImageListReader::Arrange(uint64_t pass) {
  pass_ = pass;
  if (!shuffle_ && !order_.empty()) return;  // list order, already in place
  order_ = entries_;
  if (shuffle_) ShuffleImageList(&order_, PassSeed(seed_, pass));
}

void ImageListReader::Reseed(uint32_t seed) {
  if (seed == seed_) return;
  seed_ = seed;
  Arrange(pass_);
}

void ImageListReader::Next() {
  ++offset_;
  if (++index_ == order_.size()) {
    index_ = 0;
    Arrange(pass_ + 1);
  }
}

void ImageListReader::SeekTo(uint64_t offset) {
  offset_ = offset;
  const uint64_t pass = offset / entries_.size();
  if (pass != pass_) Arrange(pass);
  index_ = static_cast<size_t>(offset % entries_.size());
}

std::string ImageListReader::Describe() const {
  std::ostringstream s;
  s << "image '" << path() << "' (line " << entry().line << " of '" << list_path_ << "') ";
  return s.str();
}

}  // namespace cnn
