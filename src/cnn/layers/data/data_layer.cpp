#include "cnn/layers/data/data_layer.hpp"

#include <glog/logging.h>

#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/datum_io.hpp"

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.DataLayer.v1";

std::string ShapeString(const std::vector<int>& shape) {
  std::ostringstream s;
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "x" : "") << shape[i];
  return s.str();
}

}  // namespace

DataLayer::DataLayer(const LayerParameter& param) : Layer(param) {}

// The prefetch thread reads the reader and the transformer: it stops first.
DataLayer::~DataLayer() { prefetcher_.reset(); }

void DataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  prefetcher_.reset();
  set_up_ = false;
  data_param_ = layer_param_.data_param();
  const std::string& source = data_param_.source();
  CNN_CHECK(!source.empty(), where() << "data_param.source (the database path) is not set");
  CNN_CHECK(data_param_.batch_size() > 0, where() << "data_param.batch_size must be positive");
  CNN_CHECK(data_param_.prefetch() > 0, where() << "data_param.prefetch must be at least 1");
  batch_size_ = static_cast<int>(data_param_.batch_size());
  output_labels_ = top.size() > 1;

  TransformationParameter transform = layer_param_.transform_param();
  // Older Caffe's way to ask for colour decoding.
  if (data_param_.force_encoded_color() && !transform.force_gray()) transform.set_force_color(true);
  try {
    transformer_ = std::make_unique<DataTransformer>(transform, phase_);
    reader_ = std::make_unique<DbReader>(BackendName(data_param_.backend()), source);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  // Caffe seeds the transformer before drawing the skip.
  transformer_->InitRand();
  if (data_param_.rand_skip() > 0) {
    const uint32_t skip = Context::rng()() % data_param_.rand_skip();
    LOG(INFO) << "layer '" << name() << "': skipping the first " << skip << " records";
    try {
      reader_->Skip(skip);
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }

  // The first record gives the tops their shape.
  std::vector<int> shape;
  try {
    Datum datum;
    CNN_CHECK(datum.ParseFromString(reader_->value()), "is not a Datum");
    transformer_->Decode(&datum);
    shape = transformer_->InferBlobShape(datum);
  } catch (const Error& e) {
    throw Error(where() + reader_->Describe() + e.what());
  }
  shape[0] = batch_size_;
  top[0]->Reshape(shape);
  if (output_labels_) top[1]->Reshape(std::vector<int>{batch_size_});
  LOG(INFO) << "layer '" << name() << "' reads " << reader_->backend() << " '" << source << "': data "
            << ShapeString(shape);

  next_.offset = reader_->offset();
  next_.rng = transformer_->rng();
  ends_.assign(data_param_.prefetch(), Position());
  prefetcher_ = std::make_unique<Prefetcher>(
      static_cast<int>(data_param_.prefetch()), output_labels_ ? 2 : 1,
      [this](Prefetcher::Batch* batch, const Prefetcher& self) { return LoadBatch(batch, self); }, where());
  set_up_ = true;

  if (!pending_state_.empty()) {
    const std::string state = std::move(pending_state_);
    pending_state_.clear();
    ApplyState(state);
  } else {
    prefetcher_->Start();
  }
}

bool DataLayer::LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) {
  Datum datum;
  std::vector<int> item_shape;
  std::string first_dims;
  size_t item_count = 0;
  float* data = nullptr;
  float* label = nullptr;
  for (int item = 0; item < batch_size_; ++item) {
    if (self.stopping()) return false;
    try {
      CNN_CHECK(datum.ParseFromString(reader_->value()), "is not a Datum");
      transformer_->Decode(&datum);
      const std::vector<int> shape = transformer_->InferBlobShape(datum);
      if (item == 0) {
        // As in Caffe, a batch takes the shape of its first record.
        item_shape = shape;
        first_dims = DatumShapeString(datum);
        item_count = static_cast<size_t>(shape[1]) * shape[2] * shape[3];
        std::vector<int> batch_shape = shape;
        batch_shape[0] = batch_size_;
        batch->blobs[0]->Reshape(batch_shape);
        data = batch->blobs[0]->mutable_cpu_data();
        if (output_labels_) {
          batch->blobs[1]->Reshape(std::vector<int>{batch_size_});
          label = batch->blobs[1]->mutable_cpu_data();
        }
      } else if (shape != item_shape) {
        if (transformer_->param().crop_size() > 0) {
          CNN_THROW("has " << DatumShapeString(datum) << ", expected " << item_shape[1] << " channel(s) like "
                           << first_dims << " before it in the batch");
        }
        CNN_THROW("has " << DatumShapeString(datum) << ", expected " << first_dims);
      }
      transformer_->Transform(datum, data + item * item_count);
      if (output_labels_) label[item] = static_cast<float>(datum.label());
    } catch (const Error& e) {
      throw Error(where() + reader_->Describe() + e.what());
    }
    try {
      reader_->Next();
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }
  ends_[batch->slot].offset = reader_->offset();
  ends_[batch->slot].rng = transformer_->rng();
  return true;
}

void DataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(set_up_, where() << "Forward before SetUp");
  prefetcher_->DeliverCpu(top, [this](const Prefetcher::Batch& batch) { Delivered(batch); });
}

#ifdef CNN_WITH_CUDA
void DataLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(set_up_, where() << "Forward before SetUp");
  prefetcher_->DeliverGpu(top, [this](const Prefetcher::Batch& batch) { Delivered(batch); });
}
#endif

std::string DataLayer::SaveState() const {
  std::ostringstream s;
  s << kStateTag << ' ' << next_.offset << ' ' << next_.rng;
  return s.str();
}

void DataLayer::RestoreState(const std::string& state) {
  if (!set_up_) {
    // Checked now, applied once SetUp has opened the database.
    std::istringstream in(state);
    std::string tag;
    in >> tag;
    CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to a Data layer");
    pending_state_ = state;
    return;
  }
  ApplyState(state);
}

uint64_t DataLayer::RecordsDelivered(const std::string& state) const {
  std::istringstream in(state);
  std::string tag;
  Position position;
  in >> tag >> position.offset;
  CNN_CHECK(tag == kStateTag && !in.fail(), where() << "the saved state is damaged (" << state.size() << " bytes)");
  return position.offset;
}

void DataLayer::ApplyState(const std::string& state) {
  std::istringstream in(state);
  std::string tag;
  Position position;
  in >> tag;
  CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to a Data layer");
  in >> position.offset >> position.rng;
  CNN_CHECK(!in.fail(), where() << "the saved state is damaged (" << state.size() << " bytes)");
  prefetcher_->Stop();
  try {
    reader_->SeekTo(position.offset);
  } catch (const Error& e) {
    // Batches read before the restore must not be delivered after it.
    const Error error(where() + e.what());
    prefetcher_->Fail(std::make_exception_ptr(error));
    throw error;
  }
  transformer_->rng() = position.rng;
  next_ = position;
  prefetcher_->Start();
}

CNN_REGISTER_LAYER(Data, DataLayer);

}  // namespace cnn
