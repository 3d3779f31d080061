#include "cnn/data/image_mean.hpp"

#include <string>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_io.hpp"

namespace cnn {

ImageMean ComputeImageMean(DB* db, const std::function<void(int64_t)>& progress) {
  std::unique_ptr<Cursor> cursor = db->NewCursor();
  // Sums are kept in double: float sums stop being exact past 2^24, which
  // 66000 white 8-bit pixels already reach.
  std::vector<double> sum;
  Datum datum;
  Datum first;
  std::string first_key;
  ImageMean mean;
  for (; cursor->Valid(); cursor->Next()) {
    const std::string key = cursor->key();
    const auto where = [&] { return "record '" + key + "' of '" + db->path() + "' "; };
    CNN_CHECK(datum.ParseFromString(cursor->value()), where() << "is not a Datum");
    try {
      DecodeDatumNative(&datum);
      CheckRawDatum(datum);
    } catch (const Error& e) {
      CNN_THROW(where() << e.what());
    }
    if (mean.count == 0) {
      first.set_channels(datum.channels());
      first.set_height(datum.height());
      first.set_width(datum.width());
      first_key = key;
      sum.assign(DatumCount(datum), 0.0);
    } else {
      CNN_CHECK(datum.channels() == first.channels() && datum.height() == first.height() &&
                    datum.width() == first.width(),
                where() << "is " << DatumShapeString(datum) << " but the first record '" << first_key
                        << "' is " << DatumShapeString(first) << "; a mean image needs records of one size");
    }
    const int n = static_cast<int>(sum.size());
    const std::string& bytes = datum.data();
    if (!bytes.empty()) {
      for (int i = 0; i < n; ++i) sum[i] += static_cast<uint8_t>(bytes[i]);
    } else {
      for (int i = 0; i < n; ++i) sum[i] += datum.float_data(i);
    }
    ++mean.count;
    if (progress && mean.count % 10000 == 0) progress(mean.count);
  }
  CNN_CHECK(mean.count > 0, "'" << db->path() << "' holds no records to average");

  BlobProto& blob = mean.blob;
  blob.set_num(1);
  blob.set_channels(first.channels());
  blob.set_height(first.height());
  blob.set_width(first.width());
  const int plane = first.height() * first.width();
  mean.channel_means.assign(first.channels(), 0.0);
  for (int i = 0; i < static_cast<int>(sum.size()); ++i) {
    const double value = sum[i] / static_cast<double>(mean.count);
    blob.add_data(static_cast<float>(value));
    mean.channel_means[i / plane] += value;
  }
  for (double& m : mean.channel_means) m /= plane;
  return mean;
}

}  // namespace cnn
