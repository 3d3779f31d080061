#include "cnn/layers/data/window_data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/data/image_codecs.hpp"
#include "cnn/io/proto_io.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.WindowDataLayer.v1";

int RoundToInt(float x) { return static_cast<int>(std::round(x)); }

}  // namespace

void WindowDataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  StopPrefetch();
#ifndef CNN_WITH_OPENCV
  CNN_THROW(where() << "needs OpenCV to decode images, and this build has none (CNN_WITH_OPENCV off)");
#endif
  param_ = layer_param_.window_data_param();
  const TransformationParameter& t = layer_param_.transform_param();
  const DataParameter& data_param = layer_param_.data_param();
  source_ = param_.source();
  CNN_CHECK(!source_.empty(), where() << "window_data_param.source (the windows file) is not set");
  CNN_CHECK(param_.batch_size() > 0, where() << "window_data_param.batch_size must be positive");
  CNN_CHECK(data_param.prefetch() > 0, where() << "data_param.prefetch must be at least 1");
  CNN_CHECK(param_.fg_fraction() >= 0.f && param_.fg_fraction() <= 1.f,
            where() << "window_data_param.fg_fraction must be in [0, 1] (got " << param_.fg_fraction() << ")");
  CNN_CHECK(param_.crop_mode() == "warp" || param_.crop_mode() == "square",
            where() << "window_data_param.crop_mode must be 'warp' or 'square' (got '" << param_.crop_mode() << "')");
  CNN_CHECK(t.shift_pixels() == 0 && t.std_value_size() == 0 && !t.vertical_flip(),
            where() << "transform_param's shift_pixels, std_value and vertical_flip do not apply to WindowData");
  CNN_CHECK(!t.force_color() && !t.force_gray(),
            where() << "transform_param's force_color and force_gray do not apply to WindowData: the windows "
                       "file gives each image's channels");
  batch_size_ = static_cast<int>(param_.batch_size());
  crop_size_ = static_cast<int>(t.has_crop_size() ? t.crop_size() : param_.crop_size());
  mirror_ = t.has_mirror() ? t.mirror() : param_.mirror();
  square_ = param_.crop_mode() == "square";
  context_pad_ = static_cast<int>(param_.context_pad());
  CNN_CHECK(crop_size_ > 0, where() << "crop_size (transform_param) must be positive: windows are warped to it");
  CNN_CHECK(2 * context_pad_ < crop_size_, where() << "window_data_param.context_pad " << context_pad_
                                                   << " leaves nothing of a " << crop_size_ << " crop");
  CNN_CHECK(!(t.has_scale() && param_.has_scale() && t.scale() != param_.scale()),
            where() << "scale is " << param_.scale() << " in window_data_param but " << t.scale()
                    << " in transform_param; give one");
  scale_ = t.has_scale() && !param_.has_scale() ? t.scale() : param_.scale();

  try {
    file_ = ReadWindowFile(source_);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  channels_ = file_.images[0].channels;
  paths_.clear();
  for (const WindowImage& image : file_.images) {
    CNN_CHECK(image.channels == 1 || image.channels == 3,
              where() << "windows file '" << source_ << "' line " << image.line << ": image '" << image.path
                      << "' has " << image.channels << " channels, expected 1 (grey) or 3 (colour)");
    CNN_CHECK(image.channels == channels_,
              where() << "windows file '" << source_ << "' line " << image.line << ": image '" << image.path
                      << "' has " << image.channels << " channels, but the first image has " << channels_);
    paths_.push_back(param_.root_folder() + image.path);
  }
  fg_.clear();
  bg_.clear();
  std::map<int, int> per_class;
  for (const Window& w : file_.windows) {
    if (w.overlap >= param_.fg_threshold()) {
      CNN_CHECK(w.label > 0, where() << "windows file '" << source_ << "' line " << w.line
                                     << ": a foreground window (overlap " << w.overlap << " >= fg_threshold "
                                     << param_.fg_threshold() << ") has class_index " << w.label
                                     << "; 0 is the background's");
      fg_.push_back(&w);
      ++per_class[w.label];
    } else if (w.overlap < param_.bg_threshold()) {
      bg_.push_back(&w);
      ++per_class[0];
    }
  }
  const int num_fg = static_cast<int>(static_cast<float>(batch_size_) * param_.fg_fraction());
  CNN_CHECK(num_fg == 0 || !fg_.empty(), where() << "windows file '" << source_ << "' has no foreground window "
                                                 << "(overlap >= " << param_.fg_threshold() << ")");
  CNN_CHECK(num_fg == batch_size_ || !bg_.empty(), where() << "windows file '" << source_
                                                           << "' has no background window (overlap < "
                                                           << param_.bg_threshold() << ")");

  mean_.clear();
  mean_values_.clear();
  CNN_CHECK(!(t.has_mean_file() && t.mean_value_size() > 0), where() << "give mean_file or mean_value, not both");
  const std::string mean_file = t.has_mean_file() ? t.mean_file() : param_.mean_file();
  if (!mean_file.empty()) {
    BlobProto proto;
    Blob mean;
    try {
      ReadProtoFromBinaryFile(mean_file, &proto);
      mean.FromProto(proto);
    } catch (const Error& e) {
      throw Error(where() + "mean_file '" + mean_file + "': " + e.what());
    }
    CNN_CHECK(mean.channels() == channels_ && mean.height() >= crop_size_ && mean.width() >= crop_size_,
              where() << "mean_file '" << mean_file << "' is " << mean.channels() << "x" << mean.height() << "x"
                      << mean.width() << "; expected " << channels_ << " channels and at least " << crop_size_
                      << "x" << crop_size_);
    mean_height_ = mean.height();
    mean_width_ = mean.width();
    mean_.assign(mean.cpu_data(), mean.cpu_data() + static_cast<size_t>(channels_) * mean_height_ * mean_width_);
  } else if (t.mean_value_size() > 0) {
    CNN_CHECK(t.mean_value_size() == 1 || t.mean_value_size() == channels_,
              where() << "the images have " << channels_ << " channel(s) but " << t.mean_value_size()
                      << " mean_value are given; give 1 or one per channel");
    for (int c = 0; c < channels_; ++c) mean_values_.push_back(t.mean_value(t.mean_value_size() == 1 ? 0 : c));
  }

  LOG(INFO) << "layer '" << name() << "' reads " << file_.images.size() << " images and " << fg_.size()
            << " foreground / " << bg_.size() << " background windows from '" << source_ << "' ("
            << num_fg << " foreground per batch of " << batch_size_ << "; " << param_.crop_mode()
            << ", context_pad " << context_pad_ << ")";
  for (const auto& [label, count] : per_class) VLOG(1) << "class " << label << ": " << count << " windows";

  top[0]->Reshape(std::vector<int>{batch_size_, channels_, crop_size_, crop_size_});
  top[1]->Reshape(std::vector<int>{batch_size_});
  rng_.seed(static_cast<uint32_t>(Context::rng()()));
  cache_.assign(param_.cache_images() ? file_.images.size() : 0, std::string());
  filled_ = 0;
  next_ = Position{0, rng_};
  ends_.assign(data_param.prefetch(), Position());
  StartPrefetch(static_cast<int>(data_param.prefetch()), 2);
}

std::string WindowDataLayer::ImageBytes(int image) {
  if (!cache_.empty() && !cache_[image].empty()) return cache_[image];
  std::ifstream in(paths_[image], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!cache_.empty()) cache_[image] = bytes;
  return bytes;
}

void WindowDataLayer::FillWindow(const Window& window, bool mirror, int item, float* data) {
#ifdef CNN_WITH_OPENCV
  const WindowImage& info = file_.images[window.image];
  const std::string bytes = ImageBytes(window.image);
  cv::Mat image;
  if (!bytes.empty()) {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    image = image_codecs::Decode(raw, channels_ == 3 ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
  }
  CNN_CHECK(!image.empty(), where() << "image '" << paths_[window.image] << "' (line " << info.line << " of '"
                                    << source_ << "') cannot be read as an image");
  CNN_CHECK(image.rows == info.height && image.cols == info.width,
            where() << "image '" << paths_[window.image] << "' (line " << info.line << " of '" << source_ << "') is "
                    << image.cols << "x" << image.rows << " but the windows file says " << info.width << "x"
                    << info.height);

  int x1 = window.x1, y1 = window.y1, x2 = window.x2, y2 = window.y2;
  int pad_left = 0, pad_top = 0;
  cv::Size size(crop_size_, crop_size_);
  if (context_pad_ > 0 || square_) {
    // Grown so that, warped to the crop, context_pad pixels surround the box.
    const float grow = static_cast<float>(crop_size_) / static_cast<float>(crop_size_ - 2 * context_pad_);
    float half_h = static_cast<float>(y2 - y1 + 1) / 2.f;
    float half_w = static_cast<float>(x2 - x1 + 1) / 2.f;
    const float cx = static_cast<float>(x1) + half_w;
    const float cy = static_cast<float>(y1) + half_h;
    if (square_) half_h = half_w = std::max(half_h, half_w);
    x1 = RoundToInt(cx - half_w * grow);
    x2 = RoundToInt(cx + half_w * grow);
    y1 = RoundToInt(cy - half_h * grow);
    y2 = RoundToInt(cy + half_h * grow);
    // What of the grown box falls outside the image, each side.
    const int full_w = x2 - x1 + 1, full_h = y2 - y1 + 1;
    int out_left = std::max(0, -x1), out_top = std::max(0, -y1);
    int out_right = std::max(0, x2 - image.cols + 1), out_bottom = std::max(0, y2 - image.rows + 1);
    x1 += out_left;
    y1 += out_top;
    x2 -= out_right;
    y2 -= out_bottom;
    // The grown box's scale applies to its clipped part too.
    const float sx = static_cast<float>(crop_size_) / static_cast<float>(full_w);
    const float sy = static_cast<float>(crop_size_) / static_cast<float>(full_h);
    size.width = RoundToInt(static_cast<float>(x2 - x1 + 1) * sx);
    size.height = RoundToInt(static_cast<float>(y2 - y1 + 1) * sy);
    out_left = RoundToInt(static_cast<float>(out_left) * sx);
    out_right = RoundToInt(static_cast<float>(out_right) * sx);
    out_top = RoundToInt(static_cast<float>(out_top) * sy);
    pad_top = out_top;
    pad_left = mirror ? out_right : out_left;  // a mirrored crop has its outside on the other side
    // The outside is under half the grown box each side, so the padding
    // stays inside the crop; rounding may overshoot the crop by a pixel.
    pad_top = std::min(pad_top, crop_size_ - 1);
    pad_left = std::min(pad_left, crop_size_ - 1);
    size.height = std::max(1, std::min(size.height, crop_size_ - pad_top));
    size.width = std::max(1, std::min(size.width, crop_size_ - pad_left));
  }
  cv::Mat warped;
  cv::resize(image(cv::Rect(x1, y1, x2 - x1 + 1, y2 - y1 + 1)), warped, size, 0, 0, cv::INTER_LINEAR);
  if (mirror) cv::flip(warped, warped, 1);

  const int mean_top = (mean_height_ - crop_size_) / 2, mean_left = (mean_width_ - crop_size_) / 2;
  for (int c = 0; c < channels_; ++c) {
    float* plane = data + (static_cast<size_t>(item) * channels_ + c) * crop_size_ * crop_size_;
    for (int h = 0; h < warped.rows; ++h) {
      const uchar* row = warped.ptr<uchar>(h);
      const int y = h + pad_top;
      for (int w = 0; w < warped.cols; ++w) {
        const int x = w + pad_left;
        float mean = 0.f;
        if (!mean_.empty()) {
          mean = mean_[(static_cast<size_t>(c) * mean_height_ + mean_top + y) * mean_width_ + mean_left + x];
        } else if (!mean_values_.empty()) {
          mean = mean_values_[c];
        }
        plane[y * crop_size_ + x] = (static_cast<float>(row[w * channels_ + c]) - mean) * scale_;
      }
    }
  }
#endif
}

bool WindowDataLayer::LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) {
  Blob* data = batch->blobs[0].get();
  Blob* label = batch->blobs[1].get();
  data->Reshape(std::vector<int>{batch_size_, channels_, crop_size_, crop_size_});
  label->Reshape(std::vector<int>{batch_size_});
  float* out = data->mutable_cpu_data();
  float* labels = label->mutable_cpu_data();
  std::fill(out, out + data->count(), 0.f);
  const int num_fg = static_cast<int>(static_cast<float>(batch_size_) * param_.fg_fraction());
  int item = 0;
  // Background windows first, then foreground ones, as Caffe fills a batch.
  for (int fg = 0; fg < 2; ++fg) {
    const std::vector<const Window*>& pool = fg ? fg_ : bg_;
    const int count = fg ? num_fg : batch_size_ - num_fg;
    for (int i = 0; i < count; ++i, ++item) {
      if (self.stopping()) return false;
      const Window& window = *pool[rng_() % pool.size()];
      const bool mirror = mirror_ && rng_() % 2;
      FillWindow(window, mirror, item, out);
      labels[item] = fg ? static_cast<float>(window.label) : 0.f;
    }
  }
  filled_ += static_cast<uint64_t>(batch_size_);
  ends_[batch->slot] = Position{filled_, rng_};
  return true;
}

std::string WindowDataLayer::SaveState() const {
  std::ostringstream s;
  s << kStateTag << ' ' << next_.delivered << ' ' << next_.rng;
  return s.str();
}

WindowDataLayer::Position WindowDataLayer::ParseState(const std::string& state) const {
  std::istringstream in(state);
  std::string tag;
  Position position;
  in >> tag;
  CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to a WindowData layer");
  in >> position.delivered >> position.rng;
  CNN_CHECK(!in.fail(), where() << "the saved state is damaged (" << state.size() << " bytes)");
  return position;
}

void WindowDataLayer::ApplyState(const std::string& state) {
  const Position position = ParseState(state);
  prefetcher().Stop();
  rng_ = position.rng;
  filled_ = position.delivered;
  next_ = position;
  prefetcher().Start();
}

CNN_REGISTER_LAYER(WindowData, WindowDataLayer);

}  // namespace cnn
