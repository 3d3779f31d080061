// A small RAII layer over HDF5's C API (Debian's libhdf5): an open file
// closes itself, every handle taken inside a call is released on every
// path, and every failure is one Error line naming the file and the dataset
// ("x.h5: dataset 'data': ..."), with HDF5's own message at its end instead
// of the error stack libhdf5 would print to stderr (that printing is off).
//
// Names are paths inside the file ("data/conv1/0"); writing one creates the
// groups above it, so a Caffe layer named "inception_3a/1x1" becomes nested
// groups, and reading it walks them back.
//
// Numbers are read as float whatever the stored type (float, double or
// integer: HDF5 converts), which is what Caffe's HDF5 files hold; blobs are
// written as 32-bit floats, as Caffe writes them.
//
// In a build without HDF5 (CNN_WITH_HDF5 off) Open and Create throw an Error
// saying so; nothing else can be reached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"

namespace cnn {
namespace hdf5 {

// Whether this build reads and writes HDF5.
bool Available();
// Whether `path` names an HDF5 file by its extension (".h5", as Caffe decides).
bool HasHdf5Extension(const std::string& path);

class File {
 public:
  // Read-only. Throws when the file is missing or is not HDF5.
  static File Open(const std::string& path);
  // A new, empty file (an existing one is truncated).
  static File Create(const std::string& path);
  // A new file held in memory (HDF5's core driver), named `path` in
  // messages; Image() gives its bytes, for a writer that puts them on disk
  // atomically (snapshots).
  static File CreateInMemory(const std::string& path);
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();  // closes, logging (never throwing) a failure
  // Flushes and closes; throws when HDF5 cannot finish the file.
  void Close();
  void Flush();

  const std::string& path() const { return path_; }
  // The complete file's bytes (flushed first).
  std::string Image();

  // Whether a group or dataset of that name exists (every part of the path).
  bool Exists(const std::string& name) const;
  bool IsDataset(const std::string& name) const;
  // The names of the datasets directly in a group ("" = the root), and of
  // every dataset in the file (full paths, recursively), each sorted.
  std::vector<std::string> DatasetsIn(const std::string& group) const;
  std::vector<std::string> AllDatasets() const;

  // A dataset's dimensions. Throws when it is missing (listing the file's datasets).
  std::vector<int64_t> Shape(const std::string& name) const;
  // All of a numeric dataset's values, converted to float (row-major).
  std::vector<float> ReadFloats(const std::string& name, std::vector<int64_t>* shape) const;
  // A dataset into `blob`: reshaped to the dataset's shape, or (reshape
  // false) the shapes must agree exactly.
  void ReadBlob(const std::string& name, Blob* blob, bool reshape) const;

  void CreateGroup(const std::string& name);
  void WriteFloats(const std::string& name, const std::vector<int64_t>& shape, const float* values);
  void WriteBlob(const std::string& name, const Blob& blob, bool diff = false);
  // Appends rows along the first dimension: the first call creates the
  // dataset (extendible, chunked), later ones must give the same trailing
  // dimensions.
  void AppendRows(const std::string& name, const std::vector<int64_t>& shape, const float* values);

  // Caffe's scalars: an integer as a one-element dataset, a string as a
  // fixed-length (null-terminated) string dataset; variable-length strings
  // (h5py's default) are read too.
  void WriteInt(const std::string& name, int64_t value);
  int64_t ReadInt(const std::string& name) const;
  void WriteString(const std::string& name, const std::string& value);
  std::string ReadString(const std::string& name) const;
  // Opaque bytes as a one-dimensional uint8 dataset (empty allowed).
  void WriteBytes(const std::string& name, const std::string& bytes);
  std::string ReadBytes(const std::string& name) const;

 private:
  File(int64_t id, std::string path) : id_(id), path_(std::move(path)) {}
  int64_t id_ = -1;
  std::string path_;
};

}  // namespace hdf5
}  // namespace cnn
