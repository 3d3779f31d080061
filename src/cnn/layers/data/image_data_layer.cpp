#include "cnn/layers/data/image_data_layer.hpp"

#include <glog/logging.h>

#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/datum_batch.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/data/image_decode.hpp"

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.ImageDataLayer.v1";

}  // namespace

void ImageDataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  StopPrefetch();
  param_ = layer_param_.image_data_param();
  const DataParameter& data_param = layer_param_.data_param();
  CNN_CHECK(!param_.source().empty(), where() << "image_data_param.source (the image list) is not set");
  CNN_CHECK(param_.batch_size() > 0, where() << "image_data_param.batch_size must be positive");
  CNN_CHECK((param_.new_height() == 0) == (param_.new_width() == 0),
            where() << "image_data_param.new_height and new_width are given together or not at all (got "
                    << param_.new_height() << " and " << param_.new_width() << ")");
  CNN_CHECK(data_param.prefetch() > 0, where() << "data_param.prefetch must be at least 1");
  if (param_.has_scale() || param_.has_mean_file() || param_.has_crop_size() || param_.has_mirror()) {
    // Caffe reads only transform_param for a layer in today's format.
    LOG(WARNING) << where() << "image_data_param's scale, mean_file, crop_size and mirror are ignored; "
                 << "give them in transform_param";
  }
  batch_size_ = static_cast<int>(param_.batch_size());
  try {
    decode_threads_ = ImageDecodeThreads();
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }

  try {
    transformer_ = std::make_unique<DataTransformer>(layer_param_.transform_param(), phase_);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  // Caffe's order of draws: the transformer's seed, the shuffle's, the skip.
  transformer_->InitRand();
  const uint32_t seed = param_.shuffle() ? static_cast<uint32_t>(Context::rng()()) : 0u;
  try {
    reader_ = std::make_unique<ImageListReader>(param_.source(), param_.root_folder(), param_.shuffle(), seed);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  if (param_.rand_skip() > 0) {
    const uint32_t skip = Context::rng()() % param_.rand_skip();
    LOG(INFO) << "layer '" << name() << "': skipping the first " << skip << " lines";
    reader_->Skip(skip);
  }
  unreadable_lines_.clear();

  // The first readable image gives the tops their shape.
  Datum datum;
  ReadImage(&datum);
  std::vector<int> shape;
  try {
    shape = transformer_->InferBlobShape(datum);
  } catch (const Error& e) {
    throw Error(where() + reader_->Describe() + e.what());
  }
  shape[0] = batch_size_;
  top[0]->Reshape(shape);
  top[1]->Reshape(std::vector<int>{batch_size_});
  LOG(INFO) << "layer '" << name() << "' reads the " << reader_->size() << " images of '" << param_.source()
            << "'" << (param_.shuffle() ? ", shuffled" : "") << ": data " << top[0]->shape_string();

  filled_ = 0;
  next_ = Position{reader_->offset(), 0, seed, transformer_->rng()};
  ends_.assign(data_param.prefetch(), Position());
  StartPrefetch(static_cast<int>(data_param.prefetch()), 2);
}

void ImageDataLayer::ReadImage(Datum* datum) {
  const int height = static_cast<int>(param_.new_height());
  const int width = static_cast<int>(param_.new_width());
  for (;;) {
    const ImageListEntry& entry = reader_->entry();
    bool read = false;
    try {
      read = ReadImageToRawDatum(reader_->path(), entry.label, height, width, param_.is_color(), datum);
    } catch (const Error& e) {  // a build without OpenCV
      throw Error(where() + e.what());
    }
    if (read) return;
    if (unreadable_lines_.insert(entry.line).second) {
      LOG(WARNING) << where() << reader_->Describe() << "cannot be read as an image; skipped";
    }
    CNN_CHECK(unreadable_lines_.size() < reader_->size(),
              where() << "none of the " << reader_->size() << " images the list '" << param_.source()
                      << "' names can be read (root_folder '" << param_.root_folder() << "')");
    reader_->Next();
  }
}

bool ImageDataLayer::LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) {
  DatumBatch items(transformer_.get(), batch_size_, batch->blobs[0].get(), batch->blobs[1].get());
  const int height = static_cast<int>(param_.new_height());
  const int width = static_cast<int>(param_.new_width());
  std::vector<ImageDecodeJob> jobs;
  std::vector<std::string> described;
  std::vector<int> lines;
  // Rounds of as many lines as slots are left: the reader never passes the
  // line that fills the last slot, so it stops where the one-by-one reading
  // of ReadImage would, unreadable lines included.
  for (int filled = 0; filled < batch_size_;) {
    const int need = batch_size_ - filled;
    jobs.assign(need, ImageDecodeJob());
    described.resize(need);
    lines.resize(need);
    for (int k = 0; k < need; ++k) {
      jobs[k].path = reader_->path();
      jobs[k].label = reader_->entry().label;
      described[k] = reader_->Describe();
      lines[k] = reader_->entry().line;
      reader_->Next();
    }
    if (!DecodeImages(&jobs, height, width, param_.is_color(), decode_threads_, [&] { return self.stopping(); }))
      return false;
    // In list order, so the transformer draws what the sequential path draws.
    for (int k = 0; k < need; ++k) {
      if (jobs[k].error) {
        try {
          std::rethrow_exception(jobs[k].error);
        } catch (const Error& e) {  // a build without OpenCV
          throw Error(where() + e.what());
        }
      }
      if (!jobs[k].read) {
        if (unreadable_lines_.insert(lines[k]).second) {
          LOG(WARNING) << where() << described[k] << "cannot be read as an image; skipped";
        }
        CNN_CHECK(unreadable_lines_.size() < reader_->size(),
                  where() << "none of the " << reader_->size() << " images the list '" << param_.source()
                          << "' names can be read (root_folder '" << param_.root_folder() << "')");
        continue;
      }
      try {
        items.Add(jobs[k].datum);
      } catch (const Error& e) {
        throw Error(where() + described[k] + e.what());
      }
      ++filled;
    }
  }
  filled_ += static_cast<uint64_t>(batch_size_);
  ends_[batch->slot] = Position{reader_->offset(), filled_, reader_->seed(), transformer_->rng()};
  return true;
}

std::string ImageDataLayer::SaveState() const {
  std::ostringstream s;
  s << kStateTag << ' ' << next_.offset << ' ' << next_.delivered << ' ' << next_.seed << ' ' << next_.rng;
  return s.str();
}

ImageDataLayer::Position ImageDataLayer::ParseState(const std::string& state) const {
  std::istringstream in(state);
  std::string tag;
  Position position;
  in >> tag;
  CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to an ImageData layer");
  in >> position.offset >> position.delivered >> position.seed >> position.rng;
  CNN_CHECK(!in.fail(), where() << "the saved state is damaged (" << state.size() << " bytes)");
  return position;
}

void ImageDataLayer::ApplyState(const std::string& state) {
  const Position position = ParseState(state);
  prefetcher().Stop();
  // The seed fixes every pass's order: a reader with the saved one, sought
  // to the saved offset, stands where the saved run's stood.
  reader_->Reseed(position.seed);
  reader_->SeekTo(position.offset);
  transformer_->rng() = position.rng;
  filled_ = position.delivered;
  next_ = position;
  prefetcher().Start();
}

CNN_REGISTER_LAYER(ImageData, ImageDataLayer);

}  // namespace cnn
