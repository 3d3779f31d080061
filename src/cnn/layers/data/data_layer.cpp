#include "cnn/layers/data/data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/datum_io.hpp"

#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>

#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/device_context.hpp"
#include "cnn/gpu/math_gpu.hpp"
#endif

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.DataLayer.v1";

// Keys are printable in databases Caffe's tools write; anything else is
// escaped so a message stays one readable line.
std::string PrintableKey(const std::string& key) {
  std::string out;
  const size_t limit = 64;
  for (size_t i = 0; i < key.size() && i < limit; ++i) {
    const unsigned char ch = static_cast<unsigned char>(key[i]);
    if (std::isprint(ch)) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  if (key.size() > limit) out += "...";
  return out;
}

std::string ShapeString(const std::vector<int>& shape) {
  std::ostringstream s;
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "x" : "") << shape[i];
  return s.str();
}

#ifdef CNN_WITH_CUDA
// The reader thread's upload stream. Non-blocking: it must not wait for the
// compute queued on the legacy default stream, or the copy would not overlap.
class UploadStream {
 public:
  UploadStream() = default;
  UploadStream(const UploadStream&) = delete;
  UploadStream& operator=(const UploadStream&) = delete;
  ~UploadStream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  // Created on first use, on the device the layer was set up on.
  void* get(int device) {
    if (!stream_) {
      gpu::SetDevice(device);
      CNN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    }
    return stream_;
  }

 private:
  cudaStream_t stream_ = nullptr;
};

std::shared_ptr<void> NewEvent() {
  cudaEvent_t event = nullptr;
  CNN_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return std::shared_ptr<void>(event, [](void* e) { cudaEventDestroy(static_cast<cudaEvent_t>(e)); });
}
#endif

}  // namespace

DataLayer::DataLayer(const LayerParameter& param) : Layer(param) {}

DataLayer::~DataLayer() { StopPrefetch(); }

void DataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  StopPrefetch();
  set_up_ = false;
  data_param_ = layer_param_.data_param();
  source_ = data_param_.source();
  CNN_CHECK(!source_.empty(), where() << "data_param.source (the database path) is not set");
  CNN_CHECK(data_param_.batch_size() > 0, where() << "data_param.batch_size must be positive");
  CNN_CHECK(data_param_.prefetch() > 0, where() << "data_param.prefetch must be at least 1");
  batch_size_ = static_cast<int>(data_param_.batch_size());
  output_labels_ = top.size() > 1;
#ifdef CNN_WITH_CUDA
  gpu_mode_ = Context::mode() == Mode::GPU;
  // Where this thread's compute runs, hence where the batches must go.
  device_ = gpu_mode_ ? gpu::CurrentDevice() : 0;
#endif

  TransformationParameter transform = layer_param_.transform_param();
  // Older Caffe's way to ask for colour decoding.
  if (data_param_.force_encoded_color() && !transform.force_gray()) transform.set_force_color(true);
  try {
    transformer_ = std::make_unique<DataTransformer>(transform, phase_);
    db_ = OpenDB(BackendName(data_param_.backend()), source_, DB::READ);
    cursor_ = db_->NewCursor();
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  CNN_CHECK(cursor_->Valid(), where() << "database '" << source_ << "' holds no records");
  // Caffe seeds the transformer before drawing the skip.
  transformer_->InitRand();
  index_ = offset_ = db_size_ = 0;
  logged_wrap_ = false;
  if (data_param_.rand_skip() > 0) {
    const uint32_t skip = Context::rng()() % data_param_.rand_skip();
    LOG(INFO) << "layer '" << name() << "': skipping the first " << skip << " records";
    try {
      for (uint32_t i = 0; i < skip; ++i) Advance();
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }

  // The first record gives the tops their shape.
  const std::string key = cursor_->key();
  std::vector<int> shape;
  try {
    Datum datum;
    CNN_CHECK(datum.ParseFromString(cursor_->value()), "is not a Datum");
    transformer_->Decode(&datum);
    shape = transformer_->InferBlobShape(datum);
  } catch (const Error& e) {
    throw Error(where() + RecordName(index_, key) + e.what());
  }
  shape[0] = batch_size_;
  top[0]->Reshape(shape);
  if (output_labels_) top[1]->Reshape(std::vector<int>{batch_size_});
  LOG(INFO) << "layer '" << name() << "' reads " << db_->backend() << " '" << source_ << "': data "
            << ShapeString(shape);

  next_.offset = offset_;
  next_.rng = transformer_->rng();
  failure_ = nullptr;
  batches_.clear();
  for (uint32_t i = 0; i < data_param_.prefetch(); ++i) batches_.push_back(std::make_unique<Batch>());
  set_up_ = true;

  if (!pending_state_.empty()) {
    const std::string state = std::move(pending_state_);
    pending_state_.clear();
    ApplyState(state);
  } else {
    StartPrefetch();
  }
}

std::string DataLayer::RecordName(uint64_t index, const std::string& key) const {
  std::ostringstream s;
  s << "record " << index << " (key " << PrintableKey(key) << ") of '" << source_ << "' ";
  return s.str();
}

void DataLayer::Advance() {
  cursor_->Next();
  ++index_;
  ++offset_;
  if (!cursor_->Valid()) {
    db_size_ = index_;
    index_ = 0;
    cursor_->SeekToFirst();
    if (!logged_wrap_) {
      VLOG(1) << "layer '" << name() << "': read all " << db_size_ << " records of '" << source_
              << "'; starting again from the first";
      logged_wrap_ = true;
    }
  }
}

void DataLayer::SeekTo(uint64_t offset) {
  cursor_->SeekToFirst();
  index_ = 0;
  uint64_t remaining = offset;
  while (remaining > 0) {
    // Whole passes over the database change nothing; the size is known after the first.
    if (db_size_ > 0 && index_ == 0) {
      remaining %= db_size_;
      if (remaining == 0) break;
    }
    Advance();
    --remaining;
  }
  offset_ = offset;
}

bool DataLayer::LoadBatch(Batch* batch) {
  Datum datum;
  std::vector<int> item_shape;
  std::string first_dims;
  size_t item_count = 0;
  float* data = nullptr;
  float* label = nullptr;
  for (int item = 0; item < batch_size_; ++item) {
    if (stop_requested_.load(std::memory_order_relaxed)) return false;
    const uint64_t index = index_;
    const std::string key = cursor_->key();
    try {
      CNN_CHECK(datum.ParseFromString(cursor_->value()), "is not a Datum");
      transformer_->Decode(&datum);
      const std::vector<int> shape = transformer_->InferBlobShape(datum);
      if (item == 0) {
        // As in Caffe, a batch takes the shape of its first record.
        item_shape = shape;
        first_dims = DatumShapeString(datum);
        item_count = static_cast<size_t>(shape[1]) * shape[2] * shape[3];
        std::vector<int> batch_shape = shape;
        batch_shape[0] = batch_size_;
        batch->data.Reshape(batch_shape);
        data = batch->data.mutable_cpu_data();
        if (output_labels_) {
          batch->label.Reshape(std::vector<int>{batch_size_});
          label = batch->label.mutable_cpu_data();
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
      throw Error(where() + RecordName(index, key) + e.what());
    }
    try {
      Advance();
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }
  batch->end.offset = offset_;
  batch->end.rng = transformer_->rng();
  return true;
}

void DataLayer::PrefetchLoop() {
#ifdef CNN_WITH_CUDA
  UploadStream upload;
#endif
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      free_cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
      if (stop_) break;
      batch = free_.front();
      free_.pop_front();
    }
    bool failed = false;
    bool complete = true;
    try {
#ifdef CNN_WITH_CUDA
      if (gpu_mode_) {
        void* stream = upload.get(device_);
        // Forward's device-to-device copy of this batch's previous contents
        // must be done before they change (and before Reshape may free them).
        if (batch->consumed) CNN_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(batch->consumed.get())));
        complete = LoadBatch(batch);
        if (complete) {
          batch->data.data()->async_gpu_push(stream);
          if (output_labels_) batch->label.data()->async_gpu_push(stream);
        }
      } else {
        complete = LoadBatch(batch);
      }
#else
      complete = LoadBatch(batch);
#endif
    } catch (...) {
      // Handed to Forward, which raises it in the consumer's thread.
      batch->error = std::current_exception();
      failed = true;
    }
    if (!complete) {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_front(batch);
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      full_.push_back(batch);
    }
    full_cv_.notify_one();
    if (failed) break;  // the cursor is in an unknown place: read nothing more
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reader_done_ = true;
  }
  full_cv_.notify_all();
}

void DataLayer::StartPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    reader_done_ = false;
    free_.clear();
    full_.clear();
    for (auto& batch : batches_) {
      batch->error = nullptr;
      free_.push_back(batch.get());
    }
  }
  stop_requested_ = false;
  thread_ = std::thread(&DataLayer::PrefetchLoop, this);
}

void DataLayer::StopPrefetch() {
  if (!thread_.joinable()) return;
  stop_requested_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  free_cv_.notify_all();
  thread_.join();
}

DataLayer::Batch* DataLayer::TakeBatch() {
  CNN_CHECK(set_up_, where() << "Forward before SetUp");
  if (failure_) std::rethrow_exception(failure_);
  Batch* batch = nullptr;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    full_cv_.wait(lock, [this] { return !full_.empty() || reader_done_; });
    CNN_CHECK(!full_.empty(), where() << "the prefetch thread stopped without delivering a batch");
    batch = full_.front();
    full_.pop_front();
  }
  if (batch->error) {
    // Kept so every later Forward reports it too (the reader has stopped).
    failure_ = batch->error;
    std::rethrow_exception(failure_);
  }
  return batch;
}

void DataLayer::ReturnBatch(Batch* batch) {
  next_ = batch->end;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(batch);
  }
  free_cv_.notify_one();
}

void DataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  Batch* batch = TakeBatch();
  top[0]->ReshapeLike(batch->data);
  std::copy_n(batch->data.cpu_data(), batch->data.count(), top[0]->mutable_cpu_data());
  if (output_labels_) {
    top[1]->ReshapeLike(batch->label);
    std::copy_n(batch->label.cpu_data(), batch->label.count(), top[1]->mutable_cpu_data());
  }
  ReturnBatch(batch);
}

#ifdef CNN_WITH_CUDA
// The reader has normally uploaded the batch already (head SYNCED, so
// gpu_data() copies nothing); a layer set up in CPU mode uploads here.
void DataLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  Batch* batch = TakeBatch();
  top[0]->ReshapeLike(batch->data);
  gpu_copy(batch->data.count(), batch->data.gpu_data(), top[0]->mutable_gpu_data());
  if (output_labels_) {
    top[1]->ReshapeLike(batch->label);
    gpu_copy(batch->label.count(), batch->label.gpu_data(), top[1]->mutable_gpu_data());
  }
  // The copies above are only queued; the reader waits for this event
  // before it overwrites the batch.
  if (!batch->consumed) batch->consumed = NewEvent();
  CNN_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(batch->consumed.get()), 0));
  ReturnBatch(batch);
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
  StopPrefetch();
  try {
    SeekTo(position.offset);
  } catch (const Error& e) {
    // Batches read before the restore must not be delivered after it.
    const Error error(where() + e.what());
    failure_ = std::make_exception_ptr(error);
    throw error;
  }
  transformer_->rng() = position.rng;
  next_ = position;
  failure_ = nullptr;
  StartPrefetch();
}

CNN_REGISTER_LAYER(Data, DataLayer);

}  // namespace cnn
