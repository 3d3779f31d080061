#include "cnn/data/data_transformer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/io/proto_io.hpp"

namespace cnn {

DataTransformer::DataTransformer(const TransformationParameter& param, Phase phase)
    : param_(param), phase_(phase) {
  CNN_CHECK(!(param_.has_mean_file() && param_.mean_value_size() > 0),
            "transform_param: give mean_file or mean_value, not both");
  CNN_CHECK(!(param_.force_color() && param_.force_gray()),
            "transform_param: give force_color or force_gray, not both");
  CNN_CHECK(param_.shift_pixels() >= 0,
            "transform_param.shift_pixels must be >= 0 (got " << param_.shift_pixels() << ")");
  for (int i = 0; i < param_.std_value_size(); ++i) {
    CNN_CHECK(param_.std_value(i) > 0,
              "transform_param.std_value must be > 0 (std_value " << i << " is " << param_.std_value(i) << ")");
  }
  // (pixel - mean) / std * scale or (pixel - mean) / (std * scale)? Either
  // reading is plausible, so neither is guessed.
  CNN_CHECK(param_.std_value_size() == 0 || param_.scale() == 1.f,
            "transform_param: std_value with scale " << param_.scale()
                << " is ambiguous; leave scale at 1 and give mean_value and std_value in pixel units"
                << " ((pixel * s - m) / d is (pixel - m/s) / (d/s))");
  if (param_.has_mean_file()) {
    BlobProto proto;
    ReadProtoFromBinaryFile(param_.mean_file(), &proto);
    Blob mean;
    try {
      mean.FromProto(proto);
    } catch (const Error& e) {
      CNN_THROW("mean_file '" << param_.mean_file() << "': " << e.what());
    }
    // Caffe compares a mean image by its legacy 4-D dimensions (1 x C x H x W).
    mean_channels_ = mean.channels();
    mean_height_ = mean.height();
    mean_width_ = mean.width();
    mean_.assign(mean.cpu_data(), mean.cpu_data() + mean.count());
  }
}

bool DataTransformer::NeedsRandom() const {
  return param_.mirror() || param_.vertical_flip() ||
         (phase_ == TRAIN && (param_.crop_size() > 0 || param_.shift_pixels() > 0));
}

void DataTransformer::InitRand() {
  if (NeedsRandom()) rng_.seed(Context::rng()());
}

bool DataTransformer::Decode(Datum* datum) const {
  if (!datum->encoded()) return false;
  if (param_.force_color() || param_.force_gray()) return DecodeDatum(datum, param_.force_color());
  return DecodeDatumNative(datum);
}

std::vector<int> DataTransformer::InferBlobShape(const Datum& datum) const {
  if (datum.encoded()) {
    Datum decoded = datum;
    Decode(&decoded);
    return InferBlobShape(decoded);
  }
  CheckRawDatum(datum);
  const int crop = static_cast<int>(param_.crop_size());
  CNN_CHECK(datum.height() >= crop && datum.width() >= crop,
            "has " << DatumShapeString(datum) << ", smaller than crop_size " << crop);
  return {1, datum.channels(), crop ? crop : datum.height(), crop ? crop : datum.width()};
}

void DataTransformer::CheckFits(const Datum& datum) const {
  CheckRawDatum(datum);
  const int crop = static_cast<int>(param_.crop_size());
  CNN_CHECK(datum.height() >= crop && datum.width() >= crop,
            "has " << DatumShapeString(datum) << ", smaller than crop_size " << crop);
  if (!mean_.empty()) {
    CNN_CHECK(datum.channels() == mean_channels_ && datum.height() == mean_height_ && datum.width() == mean_width_,
              "has " << DatumShapeString(datum) << " but mean_file '" << param_.mean_file() << "' is "
                     << mean_channels_ << "x" << mean_height_ << "x" << mean_width_);
  }
  const int num_means = param_.mean_value_size();
  CNN_CHECK(num_means == 0 || num_means == 1 || num_means == datum.channels(),
            "has " << datum.channels() << " channel(s) but " << num_means
                   << " mean_value are given; give 1 or one per channel");
  const int num_stds = param_.std_value_size();
  CNN_CHECK(num_stds == 0 || num_stds == 1 || num_stds == datum.channels(),
            "has " << datum.channels() << " channel(s) but " << num_stds
                   << " std_value are given; give 1 or one per channel");
}

void DataTransformer::Transform(const Datum& datum, float* out) {
  if (datum.encoded()) {
    Datum decoded = datum;
    Decode(&decoded);
    Transform(decoded, out);
    return;
  }
  if (param_.force_color() || param_.force_gray()) {
    LOG_FIRST_N(WARNING, 1) << "force_color and force_gray apply to encoded images only";
  }
  CheckFits(datum);

  const int channels = datum.channels();
  const int datum_height = datum.height();
  const int datum_width = datum.width();
  const int crop = static_cast<int>(param_.crop_size());
  const float scale = param_.scale();
  // Caffe's draw order: the mirror coin first, then the crop offsets.
  const bool mirror = param_.mirror() && Rand(2);

  int height = datum_height, width = datum_width;
  int h_off = 0, w_off = 0;
  if (crop) {
    height = width = crop;
    if (phase_ == TRAIN) {
      h_off = Rand(datum_height - crop + 1);
      w_off = Rand(datum_width - crop + 1);
    } else {
      h_off = (datum_height - crop) / 2;
      w_off = (datum_width - crop) / 2;
    }
  }

  // Ours, after Caffe's draws.
  const bool flip_rows = param_.vertical_flip() && Rand(2);
  const int shift = phase_ == TRAIN ? param_.shift_pixels() : 0;
  int dy = 0, dx = 0;
  if (shift > 0) {
    dy = Rand(2 * shift + 1) - shift;
    dx = Rand(2 * shift + 1) - shift;
  }

  const std::string& bytes = datum.data();
  const bool has_bytes = !bytes.empty();
  const float* floats = datum.float_data().data();
  const bool has_mean_image = !mean_.empty();
  const int num_means = param_.mean_value_size();
  const int num_stds = param_.std_value_size();

  for (int c = 0; c < channels; ++c) {
    const float channel_mean = num_means == 0 ? 0.f : param_.mean_value(num_means == 1 ? 0 : c);
    const float channel_std = num_stds == 0 ? 1.f : param_.std_value(num_stds == 1 ? 0 : c);
    for (int h = 0; h < height; ++h) {
      float* dst_row = out + (c * height + h) * width;
      // Output row h shows the (flipped) crop's row h - dy; outside it, zeros.
      const int shifted_h = h - dy;
      if (shifted_h < 0 || shifted_h >= height) {
        std::fill(dst_row, dst_row + width, 0.f);
        continue;
      }
      const int crop_h = flip_rows ? height - 1 - shifted_h : shifted_h;
      const int src_row = (c * datum_height + h_off + crop_h) * datum_width + w_off;
      for (int w = 0; w < width; ++w) {
        const int shifted_w = w - dx;
        if (shifted_w < 0 || shifted_w >= width) {
          dst_row[w] = 0.f;
          continue;
        }
        const int src = src_row + (mirror ? width - 1 - shifted_w : shifted_w);
        const float pixel = has_bytes ? static_cast<float>(static_cast<uint8_t>(bytes[src])) : floats[src];
        const float mean = has_mean_image ? mean_[src] : channel_mean;
        const float value = (pixel - mean) * scale;
        dst_row[w] = num_stds == 0 ? value : value / channel_std;
      }
    }
  }
}

void DataTransformer::Transform(const Datum& datum, Blob* blob) {
  if (datum.encoded()) {
    Datum decoded = datum;
    Decode(&decoded);
    Transform(decoded, blob);
    return;
  }
  const std::vector<int> shape = InferBlobShape(datum);
  CNN_CHECK(blob->num_axes() == 4 && blob->num() >= 1 && blob->channels() == shape[1] &&
                blob->height() == shape[2] && blob->width() == shape[3],
            "has " << DatumShapeString(datum) << ", which does not fit a blob of shape " << blob->shape_string());
  Transform(datum, blob->mutable_cpu_data());
}

}  // namespace cnn
