// Assembles one batch of transformed Datum records into a data blob
// {N, C, H, W} and, optionally, a label blob {N}, by Caffe's rule: the batch
// takes the shape of its first record, and a later record of another shape
// is an error. Used by the data layers on their prefetch threads.
#pragma once

#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"
#include "cnn/data/data_transformer.hpp"

namespace cnn {

class DatumBatch {
 public:
  // `label` may be null (no label top). Reshapes nothing until the first Add.
  DatumBatch(DataTransformer* transformer, int batch_size, Blob* data, Blob* label);

  // Transforms a raw (decoded) datum into the next item. Throws Error with a
  // verb phrase ("has 1x32x32, expected 1x28x28") when it does not fit; the
  // caller says which record it was.
  void Add(const Datum& datum);
  int size() const { return size_; }

 private:
  DataTransformer* transformer_;
  int batch_size_;
  Blob* data_;
  Blob* label_;
  int size_ = 0;
  std::vector<int> item_shape_;  // the first record's transformed shape
  std::string first_dims_;       // and its own dimensions, for messages
  size_t item_count_ = 0;
  float* data_out_ = nullptr;
  float* label_out_ = nullptr;
};

}  // namespace cnn
