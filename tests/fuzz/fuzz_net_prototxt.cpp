// A net definition in prototxt, as `cnn train`/`cnn test` read one: parsed,
// upgraded from Caffe's older formats, built on the CPU and, when it builds,
// run forward and backward once. Building or running a net from any text
// must end either well or in cnn::Error.
#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cnn::fuzz::WriteInput(data, size, ".prototxt");
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    cnn::NetParameter param = cnn::ReadNetParamsFromTextFile(path);
    bool reads_files = false;
    for (const auto& layer : param.layer())
      if (layer.type() == "Data" || layer.has_data_param()) reads_files = true;
    cnn::Net net(param);
    // A Data layer would read whatever database the text names; building it
    // checks its parameters, running it is the Data layer tests' business.
    // A pass runs as far as the memory cap (fuzz_support.hpp) lets it.
    if (!reads_files) net.ForwardBackward();
  });
  return 0;
}
