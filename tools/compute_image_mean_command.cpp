// `cnn compute_image_mean DB [OUT.binaryproto]`: the mean image of a
// database, for a transform_param's mean_file, and its per-channel means
// (for mean_value), printed in Caffe's wording.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/db.hpp"
#include "cnn/data/image_mean.hpp"
#include "cnn/io/proto_io.hpp"
#include "commands.hpp"

namespace cnn {
namespace tool {

int ComputeImageMeanCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 1 || args.size() == 2,
            "cnn compute_image_mean takes DB [OUT.binaryproto], got " << args.size() << " argument(s)");
  std::unique_ptr<DB> db = OpenDB(FLAGS_backend, args[0], DB::READ);
  const ImageMean mean = ComputeImageMean(
      db.get(), [](int64_t n) { std::cerr << "Processed " << n << " records" << std::endl; });
  const BlobProto& blob = mean.blob;
  std::printf("Mean of %lld records of %dx%dx%d\n", static_cast<long long>(mean.count), blob.channels(),
              blob.height(), blob.width());
  if (args.size() == 2) {
    WriteProtoToBinaryFile(blob, args[1]);
    std::printf("Wrote the mean image (1x%dx%dx%d) to %s\n", blob.channels(), blob.height(), blob.width(),
                args[1].c_str());
  }
  std::printf("Number of channels: %d\n", blob.channels());
  for (size_t c = 0; c < mean.channel_means.size(); ++c) {
    std::printf("mean_value channel [%zu]: %g\n", c, mean.channel_means[c]);
  }
  return 0;
}

}  // namespace tool
}  // namespace cnn
