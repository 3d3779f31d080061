// A .caffemodel (binary NetParameter with weights) copied into a fixed small
// net, as `cnn test --weights` and fine-tuning do: any file must either load
// or end in cnn::Error (wrong blob counts or shapes, values that do not fill
// a shape, V1 layers, truncated data).
#include <google/protobuf/text_format.h>

#include <cstdint>
#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "fuzz_support.hpp"

namespace {

// Layer names and shapes the seeds (tests/fuzz/make_seeds.cpp) share.
const char* const kNet = R"(
name: "fuzz"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 1 dim: 6 dim: 6 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 2 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
)";

std::unique_ptr<cnn::Net> MakeNet() {
  cnn::NetParameter param;
  if (!google::protobuf::TextFormat::ParseFromString(kNet, &param)) std::abort();
  return std::make_unique<cnn::Net>(param);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cnn::fuzz::WriteInput(data, size, ".caffemodel");
  std::unique_ptr<cnn::Net> net = MakeNet();
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    net->CopyTrainedLayersFromFile(path);
    net->Forward();
  });
  return 0;
}
