#include "cnn/data/datum_io.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/data/image_codecs.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgproc.hpp>
#endif

namespace cnn {

std::string DatumShapeString(const Datum& datum) {
  std::ostringstream s;
  s << datum.channels() << "x" << datum.height() << "x" << datum.width();
  return s.str();
}

int DatumCount(const Datum& datum) { return datum.channels() * datum.height() * datum.width(); }

void CheckRawDatum(const Datum& datum) {
  CNN_CHECK(!datum.encoded(), "is an encoded image that was not decoded");
  CNN_CHECK(datum.channels() > 0 && datum.height() > 0 && datum.width() > 0,
            "has " << DatumShapeString(datum) << "; channels, height and width must be positive");
  // Checked a factor at a time: three sizes near 2^31 overflow 64 bits.
  const int64_t plane = int64_t(datum.height()) * datum.width();
  CNN_CHECK(plane <= INT32_MAX && plane * datum.channels() <= INT32_MAX,
            "has " << DatumShapeString(datum) << ", too many values for one example");
  const int64_t count = plane * datum.channels();
  if (!datum.data().empty()) {
    CNN_CHECK(static_cast<int64_t>(datum.data().size()) == count,
              "has " << DatumShapeString(datum) << " but holds " << datum.data().size()
                     << " bytes of data (expected " << count << ")");
  } else {
    CNN_CHECK(datum.float_data_size() == count, "has " << DatumShapeString(datum) << " but holds "
                                                       << datum.float_data_size()
                                                       << " float_data values (expected " << count << ")");
  }
}

void DatumToBlobData(const Datum& datum, float* out) {
  const int n = DatumCount(datum);
  const std::string& bytes = datum.data();
  if (!bytes.empty()) {
    for (int i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<uint8_t>(bytes[i]));
  } else {
    std::copy(datum.float_data().begin(), datum.float_data().begin() + n, out);
  }
}

std::vector<float> DatumToBlobData(const Datum& datum) {
  std::vector<float> values(DatumCount(datum));
  DatumToBlobData(datum, values.data());
  return values;
}

bool ReadFileToDatum(const std::string& path, int label, Datum* datum) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return false;
  datum->Clear();
  datum->set_data(std::move(bytes));
  datum->set_label(label);
  datum->set_encoded(true);
  return true;
}

#ifdef CNN_WITH_OPENCV

void CVMatToDatum(const cv::Mat& image, Datum* datum) {
  CNN_CHECK(image.depth() == CV_8U, "holds an image whose pixels are not 8-bit (OpenCV depth "
                                        << image.depth() << "); only 8-bit images are supported");
  const int channels = image.channels();
  const int height = image.rows;
  const int width = image.cols;
  // OpenCV interleaves channels per pixel (HWC); a Datum is channel-major.
  std::string bytes(static_cast<size_t>(channels) * height * width, '\0');
  for (int h = 0; h < height; ++h) {
    const uchar* row = image.ptr<uchar>(h);
    for (int w = 0; w < width; ++w) {
      for (int c = 0; c < channels; ++c) {
        bytes[(static_cast<size_t>(c) * height + h) * width + w] = static_cast<char>(row[w * channels + c]);
      }
    }
  }
  datum->set_channels(channels);
  datum->set_height(height);
  datum->set_width(width);
  datum->clear_float_data();
  datum->set_data(std::move(bytes));
  datum->set_encoded(false);
}

namespace {

// OpenCV throws cv::Exception where it cannot go on: a header announcing more
// pixels than it accepts (or than memory holds), a codec's internal failure.
// Uncaught, that aborted the process; cnn answers bad input with Error, and
// running out of memory with OutOfMemory, each one line prefixed with `what`.
template <typename F>
auto CallOpenCv(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const cv::Exception& e) {
    if (e.code == cv::Error::StsNoMem) throw OutOfMemory(what + ": out of CPU memory in OpenCV (" + e.err + ")");
    throw Error(what + ": OpenCV refuses it (" + e.err + ")");
  }
}

bool Decode(Datum* datum, int imread_flags) {
  if (!datum->encoded()) return false;
  const std::string& bytes = datum->data();
  const std::string undecodable =
      "is marked encoded but its " + std::to_string(bytes.size()) + " bytes do not decode as an image";
  cv::Mat image;
  if (!bytes.empty()) {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    image = CallOpenCv(undecodable, [&] { return image_codecs::Decode(raw, imread_flags); });
  }
  CNN_CHECK(!image.empty(), undecodable);
  CVMatToDatum(image, datum);
  return true;
}

// Caffe's rule: "jpeg" files count as "jpg"; case does not matter.
bool MatchExtension(const std::string& path, std::string encoding) {
  const size_t dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? path : path.substr(dot + 1);
  auto lower = [](std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  };
  lower(ext);
  lower(encoding);
  return ext == encoding || (encoding == "jpg" && ext == "jpeg");
}

// Colour (BGR) or grey, resized when both sizes are positive; empty when
// unreadable. Read, then decoded, rather than imread: imread prints OpenCV's
// own warning for a missing file, and every caller says which file it was.
cv::Mat ReadImage(const std::string& path, int height, int width, bool is_color) {
  Datum file;
  if (!ReadFileToDatum(path, 0, &file) || file.data().empty()) return cv::Mat();
  const std::string& bytes = file.data();
  // A damaged file decodes as empty (the caller warns and skips it); one that
  // OpenCV refuses outright (a header announcing more pixels than it accepts
  // or memory holds) is an error naming the file, never an abort.
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat image = CallOpenCv("cannot read image " + path,
                             [&] { return image_codecs::Decode(raw, is_color ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE); });
  if (!image.empty() && height > 0 && width > 0) {
    image = CallOpenCv("cannot resize " + path + " to " + std::to_string(height) + "x" + std::to_string(width), [&] {
      cv::Mat resized;
      cv::resize(image, resized, cv::Size(width, height));
      return resized;
    });
  }
  return image;
}

}  // namespace

bool DecodeDatumNative(Datum* datum) { return Decode(datum, cv::IMREAD_UNCHANGED); }

bool DecodeDatum(Datum* datum, bool is_color) {
  return Decode(datum, is_color ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
}

bool ReadImageToRawDatum(const std::string& path, int label, int height, int width, bool is_color, Datum* datum) {
  const cv::Mat image = ReadImage(path, height, width, is_color);
  if (image.empty()) return false;
  datum->Clear();
  CVMatToDatum(image, datum);
  datum->set_label(label);
  return true;
}

bool ReadImageToDatum(const std::string& path, int label, int height, int width, bool is_color,
                      const std::string& encoding, Datum* datum) {
  cv::Mat image = ReadImage(path, height, width, is_color);
  if (image.empty()) {
    LOG(WARNING) << "cannot read image " << path;
    return false;
  }
  if (!encoding.empty()) {
    // An untouched file already in the wanted format is stored as it is, so
    // the record holds the original bytes rather than a re-compressed copy.
    if ((image.channels() == 3) == is_color && height == 0 && width == 0 && MatchExtension(path, encoding)) {
      return ReadFileToDatum(path, label, datum);
    }
    std::vector<uchar> buf;
    bool ok = false;
    try {
      ok = image_codecs::Encode("." + encoding, image, &buf);
    } catch (const cv::Exception&) {
      ok = false;
    }
    CNN_CHECK(ok, "cannot encode " << path << " as '" << encoding << "'; use jpg or png");
    datum->Clear();
    datum->set_data(std::string(reinterpret_cast<const char*>(buf.data()), buf.size()));
    datum->set_label(label);
    datum->set_encoded(true);
    return true;
  }
  datum->Clear();
  CVMatToDatum(image, datum);
  datum->set_label(label);
  return true;
}

#else  // !CNN_WITH_OPENCV

namespace {

[[noreturn]] void NoOpenCV(const char* what) {
  CNN_THROW(what << "; this build has no OpenCV (configure with -DCNN_WITH_OPENCV=ON)");
}

}  // namespace

bool DecodeDatumNative(Datum* datum) {
  if (!datum->encoded()) return false;
  NoOpenCV("is an encoded image that cannot be decoded");
}

bool DecodeDatum(Datum* datum, bool is_color) { return DecodeDatumNative(datum); }

bool ReadImageToDatum(const std::string& path, int label, int height, int width, bool is_color,
                      const std::string& encoding, Datum* datum) {
  NoOpenCV(("cannot read image " + path).c_str());
}

bool ReadImageToRawDatum(const std::string& path, int label, int height, int width, bool is_color, Datum* datum) {
  NoOpenCV(("cannot read image " + path).c_str());
}

#endif  // CNN_WITH_OPENCV

}  // namespace cnn
