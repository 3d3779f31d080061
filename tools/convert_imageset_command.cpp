// `cnn convert_imageset ROOT/ LISTFILE OUT_DB`: image files named in a list
// into a database of Datum records, with Caffe's convert_imageset flags,
// keys and batching. An image that cannot be read is reported and skipped.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/data/image_list.hpp"
#include "commands.hpp"

DEFINE_bool(gray, false, "Read the images as grey (1 channel) instead of colour (3 channels, BGR).");
DEFINE_bool(shuffle, false, "Shuffle the list before converting (with a fixed seed, so runs repeat).");
DEFINE_int32(resize_width, 0, "Resize every image to this width (with --resize_height); 0 keeps the size.");
DEFINE_int32(resize_height, 0, "Resize every image to this height (with --resize_width); 0 keeps the size.");
DEFINE_bool(check_size, false, "Fail unless every image has the size of the first one.");
DEFINE_bool(encoded, false, "Store the images encoded (compressed) instead of as raw pixels.");
DEFINE_string(encode_type, "", "The encoding for --encoded (png, jpg); empty keeps each file's own format.");
DEFINE_int32(progress_every, 1000,
             "Print a progress line (share of the list done, images per second) every this many images written.");

namespace cnn {
namespace tool {

namespace {

// Caffe's shuffle is seeded at random; a fixed one makes a conversion repeatable.
constexpr uint32_t kShuffleSeed = 1701;

std::string JoinRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root.back() == '/') return root + path;
  return root + "/" + path;
}

// The encoding --encoded without --encode_type gives a file: its extension.
std::string ExtensionOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot + 1 == path.size())
    return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Raw datums carry their shape; encoded ones only say it once decoded.
Datum ShapeOf(const Datum& datum) {
  Datum shape;
  if (datum.encoded()) {
    Datum decoded = datum;
    DecodeDatumNative(&decoded);
    shape.set_channels(decoded.channels());
    shape.set_height(decoded.height());
    shape.set_width(decoded.width());
  } else {
    shape.set_channels(datum.channels());
    shape.set_height(datum.height());
    shape.set_width(datum.width());
  }
  return shape;
}

// Our own skip message says what glog's warning from the reader would.
class QuietWarnings {
 public:
  QuietWarnings() : saved_(FLAGS_minloglevel) {
    FLAGS_minloglevel = std::max(saved_, int(google::GLOG_ERROR));
  }
  ~QuietWarnings() { FLAGS_minloglevel = saved_; }

 private:
  int saved_;
};

}  // namespace

int ConvertImagesetCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 3,
            "cnn convert_imageset takes ROOT/ LISTFILE OUT_DB, got " << args.size() << " argument(s)");
  const std::string& root = args[0];
  const std::string& list_path = args[1];
  CNN_CHECK(FLAGS_resize_width >= 0 && FLAGS_resize_height >= 0,
            "--resize_width and --resize_height must not be negative, got " << FLAGS_resize_width << " and "
                                                                            << FLAGS_resize_height);
  CNN_CHECK((FLAGS_resize_width == 0) == (FLAGS_resize_height == 0),
            "give both --resize_width and --resize_height (or neither), got " << FLAGS_resize_width << " and "
                                                                              << FLAGS_resize_height);
  // As in Caffe, asking for an encoding implies --encoded.
  const bool encoded = FLAGS_encoded || !FLAGS_encode_type.empty();
  const bool is_color = !FLAGS_gray;
  CNN_CHECK(FLAGS_progress_every > 0, "--progress_every must be positive, got " << FLAGS_progress_every);

  std::vector<ImageListEntry> entries = ReadImageList(list_path);
  CNN_CHECK(!entries.empty(), "the image list '" << list_path << "' names no images");
  if (FLAGS_shuffle) ShuffleImageList(&entries, kShuffleSeed);

  DatumWriter writer(FLAGS_backend, args[2]);
  const int total = static_cast<int>(entries.size());
  int skipped = 0;
  Datum datum;
  Datum first_shape;
  int first_line = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < total; ++i) {
    const ImageListEntry& entry = entries[i];
    const std::string file = JoinRoot(root, entry.path);
    const std::string where = list_path + ":" + std::to_string(entry.line) + ": ";
    std::string encoding;
    if (encoded) {
      encoding = FLAGS_encode_type.empty() ? ExtensionOf(entry.path) : FLAGS_encode_type;
      if (encoding.empty()) {
        std::cerr << where << "'" << file
                  << "' has no extension to take its encoding from (give --encode_type); "
                  << "skipped" << std::endl;
        ++skipped;
        continue;
      }
    }
    if (!std::ifstream(file, std::ios::binary)) {
      const int open_errno = errno;
      std::cerr << where << "cannot open image '" << file << "': " << std::strerror(open_errno) << "; skipped"
                << std::endl;
      ++skipped;
      continue;
    }
    bool ok = false;
    try {
      QuietWarnings quiet;
      ok = ReadImageToDatum(file, entry.label, FLAGS_resize_height, FLAGS_resize_width, is_color, encoding,
                            &datum);
    } catch (const Error& e) {
      CNN_THROW(where << e.what());
    }
    if (!ok) {
      std::cerr << where << "'" << file << "' is not an image OpenCV can read; skipped" << std::endl;
      ++skipped;
      continue;
    }
    if (FLAGS_check_size) {
      const Datum shape = ShapeOf(datum);
      if (first_line == 0) {
        first_shape = shape;
        first_line = entry.line;
      } else {
        CNN_CHECK(shape.channels() == first_shape.channels() && shape.height() == first_shape.height() &&
                      shape.width() == first_shape.width(),
                  where << "'" << file << "' is " << DatumShapeString(shape) << " but the image on line "
                        << first_line << " is " << DatumShapeString(first_shape) << " (--check_size)");
      }
    }
    char index[16];
    std::snprintf(index, sizeof index, "%08d", i);
    writer.Put(std::string(index) + "_" + entry.path, datum);
    if (writer.count() % FLAGS_progress_every == 0) {
      // Decoding dominates a long list; the rate tells whether the remaining
      // time is minutes or hours. The share counts skipped lines as done.
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      char rate[96];
      std::snprintf(rate, sizeof rate, " (%.1f%% of the list, %.0f images/s)", 100.0 * (i + 1) / total,
                    seconds > 0 ? writer.count() / seconds : 0.0);
      std::cerr << "Processed " << writer.count() << " of " << total << " images" << rate << std::endl;
    }
  }
  CNN_CHECK(writer.count() > 0,
            "none of the " << total << " images in '" << list_path << "' could be read; nothing was written");
  writer.Finish();
  std::cout << "Wrote " << writer.count() << " of " << total << " images to " << FLAGS_backend << " '"
            << args[2] << "'";
  if (skipped > 0) std::cout << "; skipped " << skipped << " (reported above)";
  std::cout << std::endl;
  return 0;
}

}  // namespace tool
}  // namespace cnn
