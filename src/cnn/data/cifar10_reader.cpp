#include "cnn/data/cifar10_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cnn/core/common.hpp"

namespace cnn {

Cifar10Batch ReadCifar10Batch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  CNN_CHECK(in.is_open(), "cannot open " << path << ": " << std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  CNN_CHECK(!in.bad(), "cannot read " << path << ": " << std::strerror(errno));
  Cifar10Batch batch;
  batch.bytes = content.str();
  const size_t size = batch.bytes.size();
  CNN_CHECK(size > 0, path << ": is empty; expected CIFAR-10 records of " << kCifar10RecordBytes << " bytes");
  CNN_CHECK(size % kCifar10RecordBytes == 0,
            path << ": holds " << size << " bytes, not a whole number of " << kCifar10RecordBytes
                 << "-byte CIFAR-10 records (record " << size / kCifar10RecordBytes + 1 << " is cut short after "
                 << size % kCifar10RecordBytes << " bytes)");
  for (int i = 0; i < batch.count(); ++i) {
    CNN_CHECK(batch.label(i) < kCifar10Classes, path << ": record " << i + 1 << " has label " << batch.label(i)
                                                     << "; CIFAR-10 labels are 0.." << kCifar10Classes - 1);
  }
  return batch;
}

}  // namespace cnn
