// The rows of the HDF5 files a list names (Caffe's HDF5Data source: a text
// file with one .h5 path per line, used as written, so relative to the
// working directory). Each file holds one dataset per name asked for, all
// with the same first dimension (the rows); a row of a dataset is what
// follows its first index. Rows are read file after file, each file loaded
// whole when reached (as Caffe does), back to the first file after the last.
//
// With shuffle, every pass draws a new file order, and every file, each time
// it is loaded, a new row order. Both depend only on the seed, the pass and
// the file's place in the pass, never on earlier draws, so (pass, file,
// row) and the seed are the whole position: a reader sought there
// delivers what the saved run's would have, which makes resume bit-exact.
//
// Every file is checked when the reader is made (it exists, is HDF5, holds
// every dataset, the first dimensions agree, rows have the first file's
// shape), so a bad file late in the list fails at once, not hours later.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

class Hdf5RowReader {
 public:
  struct Position {
    uint64_t pass = 0;
    uint64_t file = 0;  // index into the pass's file order
    uint64_t row = 0;   // index into the file's row order
  };

  // Throws Error naming the list, the file and the dataset on any problem.
  Hdf5RowReader(const std::string& list_path, const std::vector<std::string>& datasets, bool shuffle, uint32_t seed);

  // Dimensions of one row of dataset d (its shape without the first axis),
  // and the floats in one row.
  const std::vector<int>& row_shape(size_t d) const { return row_shapes_[d]; }
  size_t row_size(size_t d) const { return row_sizes_[d]; }
  // The current row of dataset d.
  const float* row(size_t d) const { return values_[d].data() + order_[position_.row] * row_sizes_[d]; }

  void Next();
  void SeekTo(const Position& position);
  Position position() const { return position_; }
  uint32_t seed() const { return seed_; }
  // A saved reader's seed and position (a restored state).
  void SeekTo(uint32_t seed, const Position& position);

  size_t num_files() const { return files_.size(); }
  uint64_t rows_per_pass() const { return rows_per_pass_; }
  // "row 3 of 'a.h5' (line 2 of 'list.txt') "
  std::string Describe() const;

 private:
  struct FileInfo {
    std::string path;
    int line = 0;
    uint64_t rows = 0;
  };
  // Loads the file at `file` of the pass's order (unless it is loaded) and draws its row order.
  void Load(uint64_t pass, uint64_t file);

  std::string list_path_;
  std::vector<std::string> datasets_;
  bool shuffle_ = false;
  uint32_t seed_ = 0;
  std::vector<FileInfo> files_;
  std::vector<std::vector<int>> row_shapes_;
  std::vector<size_t> row_sizes_;
  uint64_t rows_per_pass_ = 0;

  std::vector<size_t> file_order_;  // the pass's
  uint64_t order_pass_ = UINT64_MAX;
  size_t loaded_ = SIZE_MAX;        // index into files_ of the file in values_
  std::vector<std::vector<float>> values_;  // per dataset, the loaded file's
  std::vector<uint64_t> order_;     // the loaded file's row order
  Position position_;
};

}  // namespace cnn
