// Blob: an N-D float tensor (NCHW by convention) with a value ("data") and a
// gradient ("diff") of the same shape, each in a SyncedMemory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/synced_memory.hpp"

namespace cnn {

class Blob {
 public:
  static constexpr int kMaxAxes = 32;

  Blob() = default;
  explicit Blob(const std::vector<int>& shape) { Reshape(shape); }
  Blob(int num, int channels, int height, int width) { Reshape(num, channels, height, width); }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  // Changes the shape; memory is reallocated only when the new count exceeds
  // the capacity ever allocated, so shrinking and re-growing is free.
  void Reshape(const std::vector<int>& shape);
  void Reshape(const BlobShape& shape);
  void Reshape(int num, int channels, int height, int width);
  void ReshapeLike(const Blob& other) { Reshape(other.shape()); }

  const std::vector<int>& shape() const { return shape_; }
  int shape(int axis) const { return shape_[CanonicalAxisIndex(axis)]; }
  int num_axes() const { return static_cast<int>(shape_.size()); }
  int count() const { return count_; }
  // Product of the dimensions in [start, end).
  int count(int start_axis, int end_axis) const;
  int count(int start_axis) const { return count(start_axis, num_axes()); }
  // Maps a possibly negative axis (-1 = last) to [0, num_axes); throws when out of range.
  int CanonicalAxisIndex(int axis) const;
  std::string shape_string() const;

  // Caffe's 4-D accessors; missing trailing axes read as 1.
  int num() const { return LegacyShape(0); }
  int channels() const { return LegacyShape(1); }
  int height() const { return LegacyShape(2); }
  int width() const { return LegacyShape(3); }
  int LegacyShape(int index) const;

  int offset(int n, int c = 0, int h = 0, int w = 0) const;
  int offset(const std::vector<int>& indices) const;

  const float* cpu_data() const;
  const float* cpu_diff() const;
  float* mutable_cpu_data();
  float* mutable_cpu_diff();
  const float* gpu_data() const;
  const float* gpu_diff() const;
  float* mutable_gpu_data();
  float* mutable_gpu_diff();
  float data_at(int n, int c = 0, int h = 0, int w = 0) const { return cpu_data()[offset(n, c, h, w)]; }
  float diff_at(int n, int c = 0, int h = 0, int w = 0) const { return cpu_diff()[offset(n, c, h, w)]; }

  // The net's name for the blob ("conv1", "conv1 weights"), used only in
  // error messages.
  const std::string& name() const { return name_; }
  void set_name(const std::string& name) { name_ = name; }

  const std::shared_ptr<SyncedMemory>& data() const { return data_; }
  const std::shared_ptr<SyncedMemory>& diff() const { return diff_; }

  // data -= diff (the plain gradient step; solvers pre-scale diff).
  void Update();
  float asum_data() const;
  float asum_diff() const;
  float sumsq_data() const;
  float sumsq_diff() const;
  void scale_data(float factor);
  void scale_diff(float factor);

  // Alias another blob's memory (in-place layers, shared parameters, splits).
  void ShareData(const Blob& other);
  void ShareDiff(const Blob& other);

  // Makes `memory` (at least count() floats, possibly shared with other
  // blobs) hold this blob's values: the net's activation plan. The capacity
  // stays the blob's own, so a later Reshape past it gives the blob private
  // memory again rather than growing into a shared buffer's neighbours.
  void SetDataMemory(std::shared_ptr<SyncedMemory> memory);

  // Copies values (or gradients) from another blob; with reshape=false the
  // shapes must already match.
  void CopyFrom(const Blob& source, bool copy_diff = false, bool reshape = false);

  bool ShapeEquals(const BlobProto& other) const;
  // Reads shape and data (and diff, when present). Accepts both the N-D
  // `shape` field and the legacy num/channels/height/width fields, and both
  // float and double payloads. With reshape=false a shape mismatch throws.
  void FromProto(const BlobProto& proto, bool reshape = true);
  void ToProto(BlobProto* proto, bool write_diff = false) const;

 private:
  template <typename Fn>
  auto WithName(const char* part, Fn fn) const -> decltype(fn());

  std::string name_;
  std::vector<int> shape_;
  int count_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<SyncedMemory> data_;
  std::shared_ptr<SyncedMemory> diff_;
};

using BlobPtr = std::shared_ptr<Blob>;

}  // namespace cnn
