// WindowData: R-CNN's fine-tuning input (Caffe's WindowData layer;
// window_data_param). Reads a windows file (cnn/data/window_file.hpp) and
// fills every batch with batch_size windows drawn at random: first
// batch_size - floor(batch_size * fg_fraction) background windows (overlap
// < bg_threshold; label 0), then the foreground ones (overlap >=
// fg_threshold; their class_index, which must be > 0). Windows in between
// are not used. Each window is cut from its image (decoded with OpenCV in
// colour, or grey for 1-channel images), warped to crop_size x crop_size
// and mirrored at random; tops: data {batch_size, channels, crop_size,
// crop_size} and label {batch_size}.
//
// Warping, as Caffe does it: with context_pad > 0 or crop_mode "square"
// the box is grown about its centre by crop_size / (crop_size - 2 *
// context_pad) (after, for "square", making it as tall as wide, taking the
// larger side) so the warped box keeps context_pad pixels of context each
// side; the grown box is clipped to the image, the clipped part warped at
// the grown box's scale and put where it falls in the crop, and what lies
// outside the image stays 0 (mirrored along with a mirrored crop). With
// context_pad 0 and "warp" the box itself fills the crop. Then out =
// (pixel - mean) * scale over the warped pixels, mean from mean_file (its
// centre crop_size x crop_size) or mean_value.
//
// Parameters, as Caffe reads them: crop_size, mirror, mean_file and
// mean_value from transform_param (window_data_param's crop_size, mirror
// and mean_file, which Caffe's schema still has, when transform_param lacks
// them); scale from window_data_param (transform_param's when only it has
// one; both with different values is an error). Our own transform options
// (shift_pixels, std_value, vertical_flip) are refused here. cache_images
// keeps every image file's bytes in memory after the first read
// (decoding still happens per window).
//
// Random draws (a generator of the layer's own, seeded from the net's):
// per window, the window's number, then the mirror coin when mirroring.
// Stateful: the generator and the windows delivered, so a resumed run draws
// what a straight one would.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cnn/data/window_file.hpp"
#include "cnn/layers/data/prefetching_data_layer.hpp"

namespace cnn {

class WindowDataLayer : public PrefetchingDataLayer {
 public:
  explicit WindowDataLayer(const LayerParameter& param) : PrefetchingDataLayer(param) {}
  ~WindowDataLayer() override { StopPrefetch(); }

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "WindowData"; }
  int ExactNumTopBlobs() const override { return 2; }

  std::string SaveState() const override;
  uint64_t RecordsDelivered(const std::string& state) const override { return ParseState(state).delivered; }
  uint64_t RecordsPerForward() const override { return static_cast<uint64_t>(batch_size_); }

  size_t num_foreground() const { return fg_.size(); }
  size_t num_background() const { return bg_.size(); }

 protected:
  bool LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) override;
  void Delivered(const Prefetcher::Batch& batch) override { next_ = ends_[batch.slot]; }
  void CheckState(const std::string& state) const override { ParseState(state); }
  void ApplyState(const std::string& state) override;

 private:
  struct Position {
    uint64_t delivered = 0;  // windows put into batches
    std::mt19937 rng;
  };
  Position ParseState(const std::string& state) const;

  // Warps `window` into item `item` of `data` (zeroed before).
  void FillWindow(const Window& window, bool mirror, int item, float* data);
  // The image's bytes: from the cache, or read from disk (and cached).
  std::string ImageBytes(int image);

  WindowDataParameter param_;
  std::string source_;
  int batch_size_ = 0, channels_ = 0, crop_size_ = 0, context_pad_ = 0;
  bool mirror_ = false, square_ = false;
  float scale_ = 1.f;
  std::vector<float> mean_;  // mean_file: channels x mean_height_ x mean_width_
  int mean_height_ = 0, mean_width_ = 0;
  std::vector<float> mean_values_;  // one per channel, or empty

  WindowFile file_;
  std::vector<std::string> paths_;  // root_folder + each image's path
  std::vector<const Window*> fg_, bg_;

  // Touched only by the prefetch thread while it runs.
  std::mt19937 rng_;
  uint64_t filled_ = 0;
  std::vector<std::string> cache_;  // per image, when cache_images
  std::vector<Position> ends_;

  Position next_;
};

}  // namespace cnn
