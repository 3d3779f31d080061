// The mean image of a database of Datum records, as compute_image_mean
// writes it for a transform_param's mean_file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"

namespace cnn {

struct ImageMean {
  // 1 x C x H x W in the legacy num/channels/height/width fields, as Caffe
  // writes it (and as readers of older mean files expect).
  BlobProto blob;
  std::vector<double> channel_means;  // the mean of each channel over all pixels
  int64_t count = 0;                  // records averaged
};

// Averages every record, decoding encoded ones in their own channel count.
// Throws Error naming the record (key and database) that is not a Datum, is
// unusable, or whose size differs from the first record's; and when the
// database has no records. progress, when given, is called every 10000 records.
ImageMean ComputeImageMean(DB* db, const std::function<void(int64_t)>& progress = nullptr);

}  // namespace cnn
