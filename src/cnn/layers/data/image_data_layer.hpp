// ImageData: reads the images an image list names (Caffe's ImageData layer;
// image_data_param): lines "path label", each path put after root_folder,
// decoded with OpenCV in colour (3 channels, BGR) or, with is_color false,
// grey, resized to new_height x new_width when both are given, then
// transformed by transform_param. Tops: data {batch_size, C, H, W} and label
// {batch_size}. The list is read in its order, or with shuffle in an order
// drawn afresh for every pass; rand_skip skips up to that many lines at the
// start.
//
// The lines come from an ImageListReader; a Prefetcher decodes up to
// data_param.prefetch batches ahead on its thread (Caffe takes the depth
// from data_param for every prefetching layer), decoding each batch's files
// on ImageDecodeThreads() threads (image_decode.hpp; the same results with
// any count), and, in GPU mode, uploads them. A file that cannot be read as an image is skipped with a warning
// naming it and its list line (once per line); a list none of whose files
// can be read is an error naming the list.
//
// Stateful: the state is the reader's offset, the images delivered, the
// shuffle seed (which with the offset fixes the permutation: see
// image_list_reader.hpp) and the transformer's generator, so a run resumed
// mid-epoch sees exactly the batches a straight run would.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "cnn/data/data_transformer.hpp"
#include "cnn/data/image_list_reader.hpp"
#include "cnn/layers/data/prefetching_data_layer.hpp"

namespace cnn {

class ImageDataLayer : public PrefetchingDataLayer {
 public:
  explicit ImageDataLayer(const LayerParameter& param) : PrefetchingDataLayer(param) {}
  ~ImageDataLayer() override { StopPrefetch(); }

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "ImageData"; }
  int ExactNumTopBlobs() const override { return 2; }

  std::string SaveState() const override;
  uint64_t RecordsDelivered(const std::string& state) const override { return ParseState(state).delivered; }
  uint64_t RecordsPerForward() const override { return static_cast<uint64_t>(batch_size_); }
  // The list's size never changes after setup, so the prefetch thread does not race this.
  uint64_t RecordsInSource() const override { return reader_ ? reader_->size() : 0; }

 protected:
  bool LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) override;
  void Delivered(const Prefetcher::Batch& batch) override { next_ = ends_[batch.slot]; }
  void CheckState(const std::string& state) const override { ParseState(state); }
  void ApplyState(const std::string& state) override;

 private:
  struct Position {
    uint64_t offset = 0;     // the reader's: lines passed, unreadable ones and rand_skip included
    uint64_t delivered = 0;  // images put into batches
    uint32_t seed = 0;       // the reader's shuffle seed
    std::mt19937 rng;        // the transformer's
  };

  // The reader's current image as a raw datum, moving past lines whose file
  // cannot be read. Throws Error when no file of the list can be read.
  void ReadImage(Datum* datum);
  // A state's fields; throws Error naming what is wrong with it.
  Position ParseState(const std::string& state) const;

  ImageDataParameter param_;
  int batch_size_ = 0;
  int decode_threads_ = 1;  // ImageDecodeThreads(): a batch's files are decoded in parallel

  // Touched only by the prefetch thread while it runs.
  std::unique_ptr<DataTransformer> transformer_;
  std::unique_ptr<ImageListReader> reader_;
  std::unordered_set<int> unreadable_lines_;  // warned about already
  uint64_t filled_ = 0;                       // images put into batches so far
  std::vector<Position> ends_;                // per batch slot: the position after that batch

  Position next_;  // what Forward delivers next (what SaveState records)
};

}  // namespace cnn
