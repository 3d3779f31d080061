// `cnn convert_mnist IMAGES LABELS OUT_DB`: MNIST-format idx files (raw or
// gzipped) into a database of Datum records, keyed and batched as Caffe's
// convert_mnist_data writes them, so either tool's output trains either.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/data/idx_reader.hpp"
#include "commands.hpp"

namespace cnn {
namespace tool {

int ConvertMnistCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 3, "cnn convert_mnist takes IMAGES LABELS OUT_DB (idx files, raw or .gz), got "
                                  << args.size() << " argument(s)");
  const std::string& images_path = args[0];
  const std::string& labels_path = args[1];
  // Created first, so an existing output or a bad --backend fails before the
  // inputs are read; a failure later removes it again.
  DatumWriter writer(FLAGS_backend, args[2]);
  const IdxImages images = ReadIdxImages(images_path);
  const IdxLabels labels = ReadIdxLabels(labels_path);
  CNN_CHECK(images.count == labels.count, "'" << images_path << "' holds " << images.count << " images but '"
                                              << labels_path << "' holds " << labels.count
                                              << " labels; they must be the same number");

  Datum datum;
  datum.set_channels(1);
  datum.set_height(images.rows);
  datum.set_width(images.cols);
  const size_t image_bytes = static_cast<size_t>(images.rows) * images.cols;
  char key[16];
  for (int i = 0; i < images.count; ++i) {
    datum.set_data(images.image(i), image_bytes);
    datum.set_label(labels.label(i));
    std::snprintf(key, sizeof key, "%08d", i);
    writer.Put(key, datum);
    if ((i + 1) % 10000 == 0)
      std::cerr << "Processed " << i + 1 << " of " << images.count << " images" << std::endl;
  }
  writer.Finish();
  std::cout << "Wrote " << images.count << " images of 1x" << images.rows << "x" << images.cols << " to "
            << FLAGS_backend << " '" << args[2] << "'" << std::endl;
  return 0;
}

}  // namespace tool
}  // namespace cnn
