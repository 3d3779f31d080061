// A Datum record as a Data layer reads it from a database (raw bytes, float
// data, or an encoded JPEG/PNG), decoded and transformed. The first input
// byte picks the TransformationParameter (crop, mirror, means, colour
// forcing, phase), the rest is the serialised record. Any record must either
// transform or end in cnn::Error.
#include <cstdint>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/data_transformer.hpp"
#include "cnn/data/datum_io.hpp"
#include "fuzz_support.hpp"

namespace {

cnn::TransformationParameter MakeParam(uint8_t pick) {
  cnn::TransformationParameter param;
  if (pick & 1) param.set_crop_size(1 + (pick >> 5));
  if (pick & 2) param.set_mirror(true);
  if (pick & 4) param.set_scale(0.00390625f);
  if (pick & 8) {
    param.add_mean_value(100.f);
    if (pick & 16) {
      param.add_mean_value(110.f);
      param.add_mean_value(120.f);
    }
  }
  if ((pick & 0x60) == 0x20) param.set_force_color(true);
  if ((pick & 0x60) == 0x40) param.set_force_gray(true);
  return param;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cnn::Datum datum;
  if (!datum.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  const cnn::Phase phase = (data[0] & 0x80) ? cnn::TEST : cnn::TRAIN;
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    cnn::DataTransformer transformer(MakeParam(data[0]), phase);
    transformer.InitRand();
    cnn::Datum decoded = datum;
    transformer.Decode(&decoded);
    const std::vector<int> shape = transformer.InferBlobShape(decoded);
    int64_t count = 1;
    for (int d : shape) count *= d;
    // The decoded image is bounded by what OpenCV agrees to decode; the
    // transformed copy of one is no bigger.
    std::vector<float> out(static_cast<size_t>(count));
    transformer.Transform(datum, out.data());
    if (!decoded.encoded()) {
      cnn::CheckRawDatum(decoded);
      cnn::DatumToBlobData(decoded);
    }
  });
  return 0;
}
