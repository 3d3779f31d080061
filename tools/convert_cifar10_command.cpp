// `cnn convert_cifar10 BATCHES_DIR OUT_DIR`: the CIFAR-10 binary release into
// two databases of Datum records, OUT_DIR/cifar10_train_<backend> (the five
// data batches, 50,000 images) and OUT_DIR/cifar10_test_<backend> (test_batch,
// 10,000), keyed by a 5-digit running index as Caffe's convert_cifar_data
// writes them, so Caffe's CIFAR-10 nets train on them as they are.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/cifar10_reader.hpp"
#include "cnn/data/datum_writer.hpp"
#include "commands.hpp"

namespace cnn {
namespace tool {
namespace {

constexpr int kTrainBatches = 5;

// Every input file is read and checked before the database is created, so a
// missing or damaged batch leaves nothing behind.
void Convert(const std::vector<std::string>& inputs, const std::string& out) {
  std::vector<Cifar10Batch> batches;
  for (const auto& path : inputs) batches.push_back(ReadCifar10Batch(path));
  DatumWriter writer(FLAGS_backend, out);
  Datum datum;
  datum.set_channels(kCifar10Channels);
  datum.set_height(kCifar10Side);
  datum.set_width(kCifar10Side);
  char key[16];
  int index = 0;
  for (const auto& batch : batches) {
    for (int i = 0; i < batch.count(); ++i, ++index) {
      datum.set_data(batch.image(i), kCifar10ImageBytes);
      datum.set_label(batch.label(i));
      std::snprintf(key, sizeof key, "%05d", index);
      writer.Put(key, datum);
    }
  }
  writer.Finish();
  std::cout << "Wrote " << index << " images of " << kCifar10Channels << "x" << kCifar10Side << "x" << kCifar10Side
            << " to " << FLAGS_backend << " '" << out << "'" << std::endl;
}

}  // namespace

int ConvertCifar10Command(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 2, "cnn convert_cifar10 takes BATCHES_DIR OUT_DIR (BATCHES_DIR holds data_batch_1.bin "
                              "... data_batch_5.bin and test_batch.bin), got "
                                  << args.size() << " argument(s)");
  const std::string in = args[0] + "/";
  std::vector<std::string> train;
  for (int b = 1; b <= kTrainBatches; ++b) train.push_back(in + "data_batch_" + std::to_string(b) + ".bin");
  Convert(train, args[1] + "/cifar10_train_" + FLAGS_backend);
  Convert({in + "test_batch.bin"}, args[1] + "/cifar10_test_" + FLAGS_backend);
  return 0;
}

}  // namespace tool
}  // namespace cnn
