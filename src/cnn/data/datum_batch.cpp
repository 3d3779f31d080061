#include "cnn/data/datum_batch.hpp"

#include "cnn/core/common.hpp"
#include "cnn/data/datum_io.hpp"

namespace cnn {

DatumBatch::DatumBatch(DataTransformer* transformer, int batch_size, Blob* data, Blob* label)
    : transformer_(transformer), batch_size_(batch_size), data_(data), label_(label) {}

void DatumBatch::Add(const Datum& datum) {
  CNN_CHECK(size_ < batch_size_, "is one record more than batch_size " << batch_size_);
  const std::vector<int> shape = transformer_->InferBlobShape(datum);
  if (size_ == 0) {
    // As in Caffe, a batch takes the shape of its first record.
    item_shape_ = shape;
    first_dims_ = DatumShapeString(datum);
    item_count_ = static_cast<size_t>(shape[1]) * shape[2] * shape[3];
    std::vector<int> batch_shape = shape;
    batch_shape[0] = batch_size_;
    data_->Reshape(batch_shape);
    data_out_ = data_->mutable_cpu_data();
    if (label_) {
      label_->Reshape(std::vector<int>{batch_size_});
      label_out_ = label_->mutable_cpu_data();
    }
  } else if (shape != item_shape_) {
    if (transformer_->param().crop_size() > 0) {
      CNN_THROW("has " << DatumShapeString(datum) << ", expected " << item_shape_[1] << " channel(s) like "
                       << first_dims_ << " before it in the batch");
    }
    CNN_THROW("has " << DatumShapeString(datum) << ", expected " << first_dims_);
  }
  transformer_->Transform(datum, data_out_ + size_ * item_count_);
  if (label_out_) label_out_[size_] = static_cast<float>(datum.label());
  ++size_;
}

}  // namespace cnn
