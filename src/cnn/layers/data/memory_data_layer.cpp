#include "cnn/layers/data/memory_data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/datum_io.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#endif

namespace cnn {

void MemoryDataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const MemoryDataParameter& p = layer_param_.memory_data_param();
  CNN_CHECK(p.batch_size() > 0 && p.channels() > 0 && p.height() > 0 && p.width() > 0,
            where() << "memory_data_param needs batch_size, channels, height and width, all positive (got "
                    << p.batch_size() << ", " << p.channels() << ", " << p.height() << ", " << p.width() << ")");
  batch_size_ = static_cast<int>(p.batch_size());
  channels_ = static_cast<int>(p.channels());
  height_ = static_cast<int>(p.height());
  width_ = static_cast<int>(p.width());
  example_size_ = static_cast<size_t>(channels_) * height_ * width_;
  try {
    transformer_ = std::make_unique<DataTransformer>(layer_param_.transform_param(), phase_);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  transformer_->InitRand();
  data_ = labels_ = nullptr;
  n_ = pos_ = 0;
  Reshape(bottom, top);
}

void MemoryDataLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  top[0]->Reshape(std::vector<int>{batch_size_, channels_, height_, width_});
  top[1]->Reshape(std::vector<int>{batch_size_});
}

void MemoryDataLayer::Reset(const float* data, const float* labels, int n) {
  CNN_CHECK(data != nullptr && labels != nullptr, where() << "Reset needs a data and a label array (got a null one)");
  CNN_CHECK(n > 0 && n % batch_size_ == 0,
            where() << "Reset with " << n << " examples: expected a positive multiple of batch_size " << batch_size_);
  if (layer_param_.has_transform_param() && data != added_data_.data()) {
    LOG_FIRST_N(WARNING, 1) << where() << "Reset's arrays reach the net untransformed; transform_param applies "
                            << "to AddDatumVector only (as in Caffe)";
  }
  data_ = data;
  labels_ = labels;
  n_ = n;
  pos_ = 0;
}

void MemoryDataLayer::AddDatumVector(const std::vector<Datum>& datums) {
  const int n = static_cast<int>(datums.size());
  CNN_CHECK(n > 0 && n % batch_size_ == 0,
            where() << "AddDatumVector with " << n << " records: expected a positive multiple of batch_size "
                    << batch_size_);
  std::vector<float> data(static_cast<size_t>(n) * example_size_), labels(n);
  for (int i = 0; i < n; ++i) {
    try {
      Datum datum = datums[i];
      transformer_->Decode(&datum);
      const std::vector<int> shape = transformer_->InferBlobShape(datum);
      CNN_CHECK(shape[1] == channels_ && shape[2] == height_ && shape[3] == width_,
                "gives " << shape[1] << "x" << shape[2] << "x" << shape[3] << " after the transform, expected "
                         << channels_ << "x" << height_ << "x" << width_);
      transformer_->Transform(datum, data.data() + i * example_size_);
      labels[i] = static_cast<float>(datum.label());
    } catch (const Error& e) {
      throw Error(where() + "record " + std::to_string(i) + " of AddDatumVector " + e.what());
    }
  }
  added_data_ = std::move(data);
  added_labels_ = std::move(labels);
  Reset(added_data_.data(), added_labels_.data(), n);
}

#ifdef CNN_WITH_OPENCV
void MemoryDataLayer::AddMatVector(const std::vector<cv::Mat>& images, const std::vector<int>& labels) {
  CNN_CHECK(images.size() == labels.size(),
            where() << "AddMatVector with " << images.size() << " images but " << labels.size() << " labels");
  std::vector<Datum> datums(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    CNN_CHECK(!images[i].empty() && images[i].depth() == CV_8U && (images[i].channels() == 1 || images[i].channels() == 3),
              where() << "AddMatVector image " << i << " is not an 8-bit grey or BGR image");
    CVMatToDatum(images[i], &datums[i]);
    datums[i].set_label(labels[i]);
  }
  AddDatumVector(datums);
}
#endif

void MemoryDataLayer::set_batch_size(int batch_size) {
  CNN_CHECK(batch_size > 0, where() << "set_batch_size(" << batch_size << "): expected a positive batch size");
  CNN_CHECK(n_ == 0 || n_ % batch_size == 0,
            where() << "set_batch_size(" << batch_size << "): the " << n_
                    << " examples given are not a multiple of it");
  batch_size_ = batch_size;
  if (n_ > 0) pos_ = 0;
}

void MemoryDataLayer::CheckHasData() const {
  CNN_CHECK(data_ != nullptr, where() << "Forward before any data: call Reset or AddDatumVector first");
}

void MemoryDataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CheckHasData();
  Reshape(bottom, top);
  const size_t count = static_cast<size_t>(batch_size_) * example_size_;
  std::copy_n(data_ + static_cast<size_t>(pos_) * example_size_, count, top[0]->mutable_cpu_data());
  std::copy_n(labels_ + pos_, batch_size_, top[1]->mutable_cpu_data());
  Advance();
}

CNN_REGISTER_LAYER(MemoryData, MemoryDataLayer);

}  // namespace cnn
