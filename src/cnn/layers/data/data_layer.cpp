#include "cnn/layers/data/data_layer.hpp"

#include <glog/logging.h>

#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/datum_batch.hpp"

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.DataLayer.v1";

std::string ShapeString(const std::vector<int>& shape) {
  std::ostringstream s;
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "x" : "") << shape[i];
  return s.str();
}

}  // namespace

void DataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  StopPrefetch();
  data_param_ = layer_param_.data_param();
  const std::string& source = data_param_.source();
  CNN_CHECK(!source.empty(), where() << "data_param.source (the database path) is not set");
  CNN_CHECK(data_param_.batch_size() > 0, where() << "data_param.batch_size must be positive");
  CNN_CHECK(data_param_.prefetch() > 0, where() << "data_param.prefetch must be at least 1");
  batch_size_ = static_cast<int>(data_param_.batch_size());
  shard_ = phase_ == TRAIN ? parallel::TrainDataShard() : parallel::DataShard();
  output_labels_ = top.size() > 1;

  TransformationParameter transform = layer_param_.transform_param();
  // Older Caffe's way to ask for colour decoding.
  if (data_param_.force_encoded_color() && !transform.force_gray()) transform.set_force_color(true);
  try {
    transformer_ = std::make_unique<DataTransformer>(transform, phase_);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  // Caffe seeds the transformer before drawing the skip; the shuffle's seed
  // (ours) comes between, as in ImageData.
  transformer_->InitRand();
  const bool shuffle = data_param_.shuffle();
  const uint32_t seed = shuffle ? static_cast<uint32_t>(Context::rng()()) : 0u;
  try {
    reader_ = std::make_unique<DbReader>(BackendName(data_param_.backend()), source, shuffle, seed);
    source_records_ = reader_->size() > 0 ? reader_->size() : reader_->CountWithoutReading();
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  if (data_param_.rand_skip() > 0) {
    const uint32_t skip = Context::rng()() % data_param_.rand_skip();
    LOG(INFO) << "layer '" << name() << "': skipping the first " << skip << " records";
    try {
      reader_->Skip(skip);
      skipped_ = skip;
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
  LOG(INFO) << "layer '" << name() << "' reads " << reader_->backend() << " '" << source << "'"
            << (shuffle ? " shuffled (" + std::to_string(reader_->size()) + " keys held)" : std::string())
            << ": data " << ShapeString(shape);

  next_.offset = reader_->offset();
  next_.rng = transformer_->rng();
  next_.seed = seed;
  ends_.assign(data_param_.prefetch(), Position());
  StartPrefetch(static_cast<int>(data_param_.prefetch()), output_labels_ ? 2 : 1);
}

bool DataLayer::LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) {
  Datum datum;
  DatumBatch items(transformer_.get(), batch_size_, batch->blobs[0].get(),
                   output_labels_ ? batch->blobs[1].get() : nullptr);
  SkipRecords(static_cast<uint64_t>(batch_size_) * shard_.rank);
  for (int item = 0; item < batch_size_; ++item) {
    if (self.stopping()) return false;
    try {
      CNN_CHECK(datum.ParseFromString(reader_->value()), "is not a Datum");
      transformer_->Decode(&datum);
      items.Add(datum);
    } catch (const Error& e) {
      throw Error(where() + reader_->Describe() + e.what());
    }
    try {
      reader_->Next();
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }
  SkipRecords(static_cast<uint64_t>(batch_size_) * (shard_.size - 1 - shard_.rank));
  ends_[batch->slot].offset = reader_->offset();
  ends_[batch->slot].rng = transformer_->rng();
  ends_[batch->slot].seed = reader_->seed();
  return true;
}

void DataLayer::SkipRecords(uint64_t n) {
  if (n == 0) return;
  try {
    if (reader_->shuffled()) {
      reader_->SeekTo(reader_->offset() + n);
    } else {
      reader_->Skip(n);
    }
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
}

std::string DataLayer::SaveState() const {
  std::ostringstream s;
  s << kStateTag << ' ' << next_.offset << ' ' << next_.rng;
  // Only when shuffling, so states of unshuffled layers stay as they were.
  if (data_param_.shuffle()) s << " shuffle " << next_.seed;
  // The skip a resumed layer draws may differ (another seed); the state
  // keeps the one its offset includes, so the solver's check of records
  // delivered against iterations does not count skipped records.
  if (skipped_ > 0) s << " skip " << skipped_;
  return s.str();
}

namespace {

// A Data state: tag, offset, generator, then optional "shuffle SEED" and
// "skip N" (absent from states written before they existed).
struct ParsedState {
  bool ok = false, shuffled = false;
  uint64_t skipped = 0;
};

ParsedState ParseDataState(std::istream& in, const char* tag, uint64_t* offset, std::mt19937* rng, uint32_t* seed) {
  ParsedState parsed;
  std::string word;
  in >> word >> *offset >> *rng;
  if (in.fail() || word != tag) return parsed;
  parsed.ok = true;
  while (in >> word) {
    if (word == "shuffle") {
      parsed.shuffled = static_cast<bool>(in >> *seed);
    } else if (word == "skip") {
      if (!(in >> parsed.skipped)) parsed.ok = false;
    } else {
      parsed.ok = false;
    }
    if (!parsed.ok || in.fail()) break;
  }
  return parsed;
}

}  // namespace

void DataLayer::CheckState(const std::string& state) const {
  std::istringstream in(state);
  std::string tag;
  in >> tag;
  CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to a Data layer");
}

uint64_t DataLayer::RecordsDelivered(const std::string& state) const {
  std::istringstream in(state);
  Position position;
  const ParsedState parsed = ParseDataState(in, kStateTag, &position.offset, &position.rng, &position.seed);
  CNN_CHECK(parsed.ok && parsed.skipped <= position.offset,
            where() << "the saved state is damaged (" << state.size() << " bytes)");
  return position.offset - parsed.skipped;
}

void DataLayer::ApplyState(const std::string& state) {
  std::istringstream in(state);
  Position position;
  CheckState(state);
  const ParsedState parsed = ParseDataState(in, kStateTag, &position.offset, &position.rng, &position.seed);
  CNN_CHECK(parsed.ok, where() << "the saved state is damaged (" << state.size() << " bytes)");
  const bool saved_shuffled = parsed.shuffled;
  CNN_CHECK(saved_shuffled == data_param_.shuffle(),
            where() << "the saved state was written with data_param.shuffle " << (saved_shuffled ? "on" : "off")
                    << " but the layer has it " << (data_param_.shuffle() ? "on" : "off"));
  prefetcher().Stop();
  try {
    // The seed fixes every pass's order (see db_reader.hpp).
    reader_->Reseed(position.seed);
    reader_->SeekTo(position.offset);
  } catch (const Error& e) {
    // Batches read before the restore must not be delivered after it.
    const Error error(where() + e.what());
    prefetcher().Fail(std::make_exception_ptr(error));
    throw error;
  }
  transformer_->rng() = position.rng;
  next_ = position;
  skipped_ = parsed.skipped;
  prefetcher().Start();
}

CNN_REGISTER_LAYER(Data, DataLayer);

}  // namespace cnn
