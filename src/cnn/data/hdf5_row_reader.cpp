#include "cnn/data/hdf5_row_reader.hpp"

#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"

namespace cnn {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string ShapeText(const std::vector<int>& dims) {
  std::ostringstream s;
  s << "(";
  for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << dims[i];
  s << ")";
  return s.str();
}

// seed_seq and mt19937 are fixed by the standard, and the draw below is our
// own, so an order is the same with every compiler and library.
std::vector<uint64_t> Permutation(size_t n, std::initializer_list<uint32_t> key) {
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::seed_seq mix(key);
  std::mt19937 engine(mix);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[engine() % i]);
  return order;
}

uint32_t Low(uint64_t v) { return static_cast<uint32_t>(v); }
uint32_t High(uint64_t v) { return static_cast<uint32_t>(v >> 32); }

}  // namespace

Hdf5RowReader::Hdf5RowReader(const std::string& list_path, const std::vector<std::string>& datasets, bool shuffle,
                             uint32_t seed)
    : list_path_(list_path), datasets_(datasets), shuffle_(shuffle), seed_(seed) {
  std::ifstream list(list_path);
  CNN_CHECK(list.good(), "cannot read the HDF5 file list '" << list_path << "'");
  int line_number = 0;
  for (std::string line; std::getline(list, line);) {
    ++line_number;
    const std::string path = Trim(line);
    if (!path.empty()) files_.push_back(FileInfo{path, line_number, 0});
  }
  CNN_CHECK(!files_.empty(), "the HDF5 file list '" << list_path << "' names no files");

  row_shapes_.resize(datasets_.size());
  row_sizes_.resize(datasets_.size());
  for (size_t f = 0; f < files_.size(); ++f) {
    FileInfo& info = files_[f];
    const std::string where = "'" + list_path + "' line " + std::to_string(info.line) + ": ";
    try {
      const hdf5::File file = hdf5::File::Open(info.path);
      for (size_t d = 0; d < datasets_.size(); ++d) {
        const std::vector<int64_t> dims = file.Shape(datasets_[d]);
        CNN_CHECK(!dims.empty(), info.path << ": dataset '" << datasets_[d] << "' is a scalar, expected rows");
        std::vector<int> row;
        size_t size = 1;
        for (size_t k = 1; k < dims.size(); ++k) {
          CNN_CHECK(dims[k] > 0 && dims[k] <= INT32_MAX,
                    info.path << ": dataset '" << datasets_[d] << "' has a dimension of " << dims[k]);
          row.push_back(static_cast<int>(dims[k]));
          size *= static_cast<size_t>(dims[k]);
        }
        const uint64_t rows = static_cast<uint64_t>(dims[0]);
        if (d == 0) {
          CNN_CHECK(rows > 0, info.path << ": dataset '" << datasets_[d] << "' holds no rows");
          info.rows = rows;
        } else {
          CNN_CHECK(rows == info.rows, info.path << ": datasets '" << datasets_[0] << "' (" << info.rows
                                                 << " rows) and '" << datasets_[d] << "' (" << rows
                                                 << " rows) disagree in their first dimension");
        }
        if (f == 0) {
          row_shapes_[d] = row;
          row_sizes_[d] = size;
        } else {
          CNN_CHECK(row == row_shapes_[d], info.path << ": dataset '" << datasets_[d] << "' has rows of shape "
                                                     << ShapeText(row) << ", the first file '" << files_[0].path
                                                     << "' has " << ShapeText(row_shapes_[d]));
        }
      }
    } catch (const Error& e) {
      throw Error(where + e.what());
    }
    rows_per_pass_ += info.rows;
  }
  values_.resize(datasets_.size());
  SeekTo(Position());
}

void Hdf5RowReader::Load(uint64_t pass, uint64_t file) {
  if (order_pass_ != pass) {
    if (shuffle_) {
      file_order_.clear();
      for (uint64_t i : Permutation(files_.size(), {seed_, Low(pass), High(pass)})) file_order_.push_back(i);
    } else if (file_order_.empty()) {
      file_order_.resize(files_.size());
      std::iota(file_order_.begin(), file_order_.end(), 0);
    }
    order_pass_ = pass;
  }
  const size_t index = file_order_[file];
  const FileInfo& info = files_[index];
  if (loaded_ != index) {
    loaded_ = SIZE_MAX;  // until every dataset is in
    const hdf5::File f = hdf5::File::Open(info.path);
    for (size_t d = 0; d < datasets_.size(); ++d) {
      std::vector<int64_t> dims;
      values_[d] = f.ReadFloats(datasets_[d], &dims);
      // The file may have been replaced since it was checked.
      CNN_CHECK(!dims.empty() && static_cast<uint64_t>(dims[0]) == info.rows &&
                    values_[d].size() == info.rows * row_sizes_[d],
                info.path << ": dataset '" << datasets_[d] << "' changed shape since the layer was set up");
    }
    loaded_ = index;
  }
  if (shuffle_) {
    order_ = Permutation(info.rows, {seed_, Low(pass), High(pass), Low(file), High(file), 1u});
  } else if (order_.size() != info.rows) {
    order_.resize(info.rows);
    std::iota(order_.begin(), order_.end(), 0);
  }
}

void Hdf5RowReader::Next() {
  Position next = position_;
  if (++next.row < order_.size()) {
    position_ = next;
    return;
  }
  next.row = 0;
  if (++next.file == files_.size()) {
    next.file = 0;
    ++next.pass;
  }
  SeekTo(next);
}

void Hdf5RowReader::SeekTo(const Position& position) {
  CNN_CHECK(position.file < files_.size(), "'" << list_path_ << "': a saved position names file #" << position.file
                                               << " of a list of " << files_.size());
  Load(position.pass, position.file);
  CNN_CHECK(position.row < order_.size(), "'" << list_path_ << "': a saved position names row " << position.row
                                              << " of '" << files_[loaded_].path << "', which has "
                                              << order_.size());
  position_ = position;
}

void Hdf5RowReader::SeekTo(uint32_t seed, const Position& position) {
  if (seed != seed_) {
    seed_ = seed;
    order_pass_ = UINT64_MAX;  // every order is drawn again
  }
  SeekTo(position);
}

std::string Hdf5RowReader::Describe() const {
  std::ostringstream s;
  s << "row " << order_[position_.row] << " of '" << files_[loaded_].path << "' (line " << files_[loaded_].line
    << " of '" << list_path_ << "') ";
  return s.str();
}

}  // namespace cnn
