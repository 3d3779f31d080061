// RecordReader over the lines of an image list ("path label" lines, read by
// ReadImageList): in list order, or shuffled afresh for every pass.
//
// A shuffled pass's order depends only on the seed and the pass number
// (pass = offset / lines), never on the passes before it, so the seed and
// the offset are the whole of the position: a reader made with the same
// seed and sought to the same offset sees the same permutation at the same
// place, which is what makes a resume in the middle of a shuffled epoch
// bit-exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cnn/data/image_list.hpp"
#include "cnn/data/record_reader.hpp"

namespace cnn {

class ImageListReader : public RecordReader {
 public:
  // Reads the list now. `root` is put in front of every path (Caffe's
  // root_folder: a plain prefix, so it usually ends in '/'). Throws Error
  // when the list cannot be read, has a malformed line, or has no lines.
  ImageListReader(const std::string& list_path, const std::string& root, bool shuffle, uint32_t seed);

  void Next() override;
  void SeekTo(uint64_t offset) override;
  // "image 'root/cat.png' (line 3 of 'list.txt') "
  std::string Describe() const override;

  // Another seed (a restored one): the current pass is drawn again.
  void Reseed(uint32_t seed);

  const ImageListEntry& entry() const { return order_[index_]; }
  // The file the current line names: root + its path.
  std::string path() const { return root_ + entry().path; }
  size_t size() const { return entries_.size(); }
  uint32_t seed() const { return seed_; }
  const std::string& list_path() const { return list_path_; }

 private:
  // Puts the lines in the order of `pass` (list order without shuffling).
  void Arrange(uint64_t pass);

  std::string list_path_;
  std::string root_;
  bool shuffle_ = false;
  uint32_t seed_ = 0;
  std::vector<ImageListEntry> entries_;  // as listed
  std::vector<ImageListEntry> order_;    // in the current pass's order
  uint64_t pass_ = 0;
  size_t index_ = 0;  // within order_
};

}  // namespace cnn
