// `cnn export_onnx --model=deploy.prototxt --weights=W --out=net.onnx
// [--opset=13]`: the TEST-phase net with its trained weights as an ONNX
// model (src/cnn/deploy/onnx_export.hpp).
#include <gflags/gflags.h>

#include <iostream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/deploy/onnx_export.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "trained_net.hpp"

DEFINE_int32(opset, 13, "cnn export_onnx: the ONNX operator set to write (13 to 18).");

namespace cnn {
namespace tool {
namespace {

std::string Shape(const Blob& b) {
  std::string s;
  for (int d : b.shape()) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

}  // namespace

int ExportOnnxCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("export_onnx", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn export_onnx needs --model=deploy.prototxt");
  CNN_CHECK(!FLAGS_weights.empty(), "cnn export_onnx needs --weights=W.caffemodel");
  CNN_CHECK(!FLAGS_out.empty(), "cnn export_onnx needs --out=net.onnx");
  NetParameter model = ReadNetParamsFromTextFile(FLAGS_model);
  model.mutable_state()->set_phase(TEST);
  const std::unique_ptr<Net> loaded =
      LoadTrainedNet(model, FLAGS_weights, "an export of filler values would be meaningless");
  Net& net = *loaded;
  onnx::ModelProto onnx_model;
  try {
    onnx_model = ExportOnnx(net, FLAGS_opset, VersionString());
  } catch (const Error& e) {
    CNN_THROW(FLAGS_model << ": " << e.what());
  }
  std::string bytes;
  CNN_CHECK(onnx_model.SerializeToString(&bytes), "cannot serialise the ONNX model (over 2 GiB?)");
  WriteFileAtomically(FLAGS_out, bytes);
  std::cout << "wrote " << FLAGS_out << ": opset " << FLAGS_opset << ", " << onnx_model.graph().node_size()
            << " nodes, " << onnx_model.graph().initializer_size() << " initializers";
  for (const Blob* b : net.output_blobs()) std::cout << "; output " << net.blob_name(b) << " " << Shape(*b);
  std::cout << std::endl;
  return 0;
}

}  // namespace tool
}  // namespace cnn
