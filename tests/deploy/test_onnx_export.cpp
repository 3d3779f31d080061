// export_onnx: the exported graph's structure (read back with our schema),
// refusals naming the layer, and the numbers: each net exported with random
// weights runs in ONNX Runtime (onnxruntime-node, under NODE_PATH; see
// scripts/onnx/) on the same random input as in `cnn`, and every output
// agrees within 1e-4 of the output's magnitude (at least 1). Those
// comparisons skip when node or onnxruntime-node is absent.
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/onnx_subset.pb.h"
#include "deploy/random_weights.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

constexpr double kTolerance = 1e-4;

NetParameter Parse(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p));
  return p;
}

// The node_modules folder holding onnxruntime-node: $CNN_ONNXRUNTIME_NODE_MODULES,
// else build/onnxrt/node_modules (where scripts/test.sh installs it); "" when
// node or the package is missing.
std::string RuntimeModules() {
  std::string dir;
  if (const char* env = std::getenv("CNN_ONNXRUNTIME_NODE_MODULES")) {
    dir = env;
  } else {
    const std::string tool = ToolPath();  // BUILD/tools/cnn
    dir = tool.substr(0, tool.rfind('/', tool.rfind('/') - 1)) + "/onnxrt/node_modules";
  }
  std::string out;
  if (RunCommand("node --version", &out) != 0) return "";
  return PathExists(dir + "/onnxruntime-node/package.json") ? dir : "";
}

std::string DimsText(const std::vector<int>& shape) {
  std::string s;
  for (int d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

struct Exported {
  std::string dir;
  std::unique_ptr<Net> net;  // with the weights exported, holding the outputs of `input`
};

// The big nets leave ~200 MB of weights and models behind; a failed test
// returns before this and keeps them for a look.
void Remove(const Exported& x) {
  std::string out;
  RunCommand("rm -rf '" + x.dir + "'", &out);
}

// Writes `param` (batch set) and random weights, exports them with the tool.
Exported Export(NetParameter param, unsigned seed, const std::string& flags = "") {
  Exported x;
  x.dir = MakeTempDir();
  param.mutable_state()->set_phase(TEST);
  WriteProtoToTextFile(param, x.dir + "/net.prototxt");
  x.net = std::make_unique<Net>(param);
  WriteRandomWeights(x.net.get(), seed, x.dir + "/w.caffemodel");
  const ToolResult r = Cnn("export_onnx --model=" + x.dir + "/net.prototxt --weights=" + x.dir +
                           "/w.caffemodel --out=" + x.dir + "/net.onnx " + flags);
  EXPECT_EQ(r.status, 0) << r.output;
  return x;
}

onnx::ModelProto ReadModel(const std::string& path) {
  onnx::ModelProto m;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << path;
  return m;
}

// Runs the exported model in ONNX Runtime and `cnn` on one Gaussian input
// and compares every output. Returns the largest relative difference.
double CompareWithRuntime(Exported& x, const std::string& modules, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.f, 1.f);
  Net& net = *x.net;
  std::string specs;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    if (std::string(net.layers()[i]->type()) != "Input") continue;
    for (Blob* t : net.top_vecs()[i]) {
      float* v = t->mutable_cpu_data();
      for (int k = 0; k < t->count(); ++k) v[k] = gauss(rng);
      const std::string file = x.dir + "/in_" + net.blob_name(t) + ".bin";
      std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(v), t->count() * sizeof(float));
      specs += " '" + net.blob_name(t) + ":" + DimsText(t->shape()) + ":" + file + "'";
    }
  }
  net.Forward();
  std::string out;
  const int rc = RunCommand("NODE_PATH='" + modules + "' node '" + SourcePath("scripts/onnx/run_onnx.js") + "' '" +
                                x.dir + "/net.onnx' '" + x.dir + "/ort'" + specs,
                            &out);
  EXPECT_EQ(rc, 0) << out;
  std::ifstream manifest(x.dir + "/ort/outputs.tsv");
  double worst = 0;
  int outputs = 0;
  for (std::string line; std::getline(manifest, line);) {
    std::istringstream fields(line);
    std::string name, dims, file;
    std::getline(fields, name, '\t');
    std::getline(fields, dims, '\t');
    std::getline(fields, file, '\t');
    ++outputs;
    if (!net.has_blob(name)) {
      ADD_FAILURE() << "ONNX output '" << name << "' is no blob of the net";
      continue;
    }
    const Blob& ref = *net.blob_by_name(name);
    EXPECT_EQ(dims, DimsText(ref.shape())) << name;
    std::vector<float> got(ref.count());
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(got.data()), got.size() * sizeof(float));
    EXPECT_EQ(in.gcount(), static_cast<std::streamsize>(got.size() * sizeof(float))) << name;
    double max_ref = 1, max_diff = 0;
    int at = 0;
    for (int k = 0; k < ref.count(); ++k) {
      max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref.cpu_data()[k])));
      const double d = std::fabs(static_cast<double>(ref.cpu_data()[k]) - got[k]);
      if (d > max_diff) max_diff = d, at = k;
    }
    EXPECT_LE(max_diff / max_ref, kTolerance)
        << "output '" << name << "': element " << at << " is " << got[at] << " in ONNX Runtime, "
        << ref.cpu_data()[at] << " in cnn";
    worst = std::max(worst, max_diff / max_ref);
  }
  EXPECT_EQ(outputs, static_cast<int>(net.output_blobs().size()));
  std::cout << "net '" << net.name() << "': " << outputs << " output(s), largest difference from ONNX Runtime "
            << worst << " of the output's magnitude\n";
  return worst;
}

// A deploy net with its closing Softmax removed: the logits, which a
// random net's saturated probabilities could hide, become the output.
NetParameter Logits(NetParameter p) {
  if (p.layer_size() > 0 && p.layer(p.layer_size() - 1).type() == "Softmax") p.mutable_layer()->RemoveLast();
  return p;
}

#define REQUIRE_RUNTIME(modules)                                                                        \
  const std::string modules = RuntimeModules();                                                         \
  if (modules.empty())                                                                                  \
  GTEST_SKIP() << "node or onnxruntime-node is absent (scripts/onnx/install_onnxruntime.sh installs it " \
                  "into build/onnxrt)"

// Most exportable types in one net, each branch left as an output so a
// wrong one is named: grouped dilated convolution + BatchNorm + Scale +
// ReLU, ceil-mode max and average pooling (with padding: Caffe's divisor),
// pooling where Caffe drops the last ceil-mode window,
// Eltwise SUM with coefficients, PROD and MAX, Concat, Deconvolution, both
// LRN regions, PReLU, ELU, leaky ReLU, Sigmoid, TanH, Power, Dropout,
// Flatten, InnerProduct on axis 2, Softmax, Slice, Crop, Reshape, Bias.
const char* kMixedNet = R"(
name: "mixed"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 4 dim: 14 dim: 14 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 8 kernel_size: 3 pad: 2 dilation: 2 group: 2 bias_term: false } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "sc1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "maxpool" type: "Pooling" bottom: "conv1" top: "maxpool" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "droppool" type: "Pooling" bottom: "conv1" top: "droppool" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 2 } }
layer { name: "avepool" type: "Pooling" bottom: "conv1" top: "avepool"
        pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "sum" type: "Eltwise" bottom: "maxpool" bottom: "avepool" top: "sum" eltwise_param { coeff: 0.5 coeff: -2 } }
layer { name: "prod" type: "Eltwise" bottom: "maxpool" bottom: "avepool" top: "prod" eltwise_param { operation: PROD } }
layer { name: "max" type: "Eltwise" bottom: "sum" bottom: "prod" top: "max" eltwise_param { operation: MAX } }
layer { name: "cat" type: "Concat" bottom: "sum" bottom: "max" top: "cat" }
layer { name: "deconv" type: "Deconvolution" bottom: "cat" top: "deconv"
        convolution_param { num_output: 6 kernel_size: 4 stride: 2 pad: 1 group: 2 } }
layer { name: "lrn_across" type: "LRN" bottom: "deconv" top: "lrn_across" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 k: 2 } }
layer { name: "lrn_within" type: "LRN" bottom: "deconv" top: "lrn_within"
        lrn_param { local_size: 3 alpha: 0.3 beta: 0.75 norm_region: WITHIN_CHANNEL } }
layer { name: "prelu" type: "PReLU" bottom: "lrn_across" top: "prelu" }
layer { name: "elu" type: "ELU" bottom: "lrn_within" top: "elu" elu_param { alpha: 0.7 } }
layer { name: "leaky" type: "ReLU" bottom: "prelu" top: "leaky" relu_param { negative_slope: 0.1 } }
layer { name: "sig" type: "Sigmoid" bottom: "elu" top: "sig" }
layer { name: "tanh" type: "TanH" bottom: "leaky" top: "tanh" }
layer { name: "power" type: "Power" bottom: "sig" top: "power" power_param { power: 2 scale: 0.5 shift: 1 } }
layer { name: "drop" type: "Dropout" bottom: "power" top: "power" }
layer { name: "flat" type: "Flatten" bottom: "tanh" top: "flat" flatten_param { axis: 2 } }
layer { name: "ip" type: "InnerProduct" bottom: "flat" top: "ip" inner_product_param { num_output: 5 axis: 2 } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" softmax_param { axis: 1 } }
layer { name: "slice" type: "Slice" bottom: "power" top: "slice_a" top: "slice_b" slice_param { axis: 1 slice_point: 2 } }
layer { name: "crop" type: "Crop" bottom: "slice_a" bottom: "data" top: "crop" crop_param { axis: 2 offset: 1 } }
layer { name: "reshape" type: "Reshape" bottom: "slice_b" top: "reshape" reshape_param { shape { dim: 0 dim: -1 } } }
layer { name: "bias" type: "Bias" bottom: "reshape" top: "bias" bias_param { axis: 1 num_axes: 1 } }
)";

// The remaining element-wise types and padding_mode, each branch an output.
const char* kActivationNet = R"(
name: "activations"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 6 dim: 6 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 padding_mode: REFLECT } }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
        pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 padding_mode: REPLICATE } }
layer { name: "abs" type: "AbsVal" bottom: "pool" top: "abs" }
layer { name: "bnll" type: "BNLL" bottom: "conv" top: "bnll" }
layer { name: "exp" type: "Exp" bottom: "conv" top: "exp" exp_param { base: 2 scale: 0.5 shift: 0.1 } }
layer { name: "log" type: "Log" bottom: "bnll" top: "log" log_param { base: 10 scale: 2 shift: 0.5 } }
layer { name: "swish" type: "Swish" bottom: "conv" top: "swish" swish_param { beta: 1.5 } }
layer { name: "clip" type: "Clip" bottom: "conv" top: "clip" clip_param { min: -0.5 max: 0.4 } }
layer { name: "threshold" type: "Threshold" bottom: "abs" top: "threshold" threshold_param { threshold: 0.3 } }
layer { name: "tile" type: "Tile" bottom: "abs" top: "tile" tile_param { axis: 1 tiles: 2 } }
layer { name: "power" type: "Power" bottom: "abs" top: "power" power_param { power: 0.5 shift: 0.1 } }
layer { name: "scale2" type: "Scale" bottom: "swish" bottom: "clip" top: "scale2" scale_param { axis: 0 } }
)";

TEST(OnnxExport, GraphHasCaffesNamesShapesAndAttributes) {
  Exported x = Export(Parse(kMixedNet), 3);
  const onnx::ModelProto m = ReadModel(x.dir + "/net.onnx");
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.ir_version(), 7);
  ASSERT_EQ(m.graph().input_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "data");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(3).dim_value(), 14);
  std::map<std::string, const onnx::NodeProto*> by_name;
  for (const auto& n : m.graph().node()) by_name[n.name()] = &n;
  auto attr = [&](const std::string& node, const std::string& a) -> int64_t {
    EXPECT_TRUE(by_name.count("node:" + node)) << node;
    for (const auto& at : by_name["node:" + node]->attribute())
      if (at.name() == a) return at.i();
    ADD_FAILURE() << node << " has no attribute " << a;
    return -1;
  };
  // 14 -> conv 14 -> pool k3 s2 p1: floor 7, Caffe's ceil 8; with p2 Caffe
  // drops the ceil window that would start in the padding: floor's 8.
  EXPECT_EQ(by_name["node:maxpool"]->op_type(), "MaxPool");
  EXPECT_EQ(attr("maxpool", "ceil_mode"), 1);
  EXPECT_EQ(attr("droppool", "ceil_mode"), 0);
  EXPECT_EQ(attr("avepool", "count_include_pad"), 1);
  EXPECT_EQ(attr("conv1", "group"), 2);
  EXPECT_EQ(by_name["node:deconv"]->op_type(), "ConvTranspose");
  EXPECT_EQ(by_name["node:leaky"]->op_type(), "LeakyRelu");
  // conv1 is rewritten in place three times: only relu1's value keeps the blob's name.
  EXPECT_EQ(by_name["node:relu1"]->output(0), "conv1");
  EXPECT_EQ(by_name["node:bn1"]->output(0), "conv1/bn1");
  std::vector<std::string> outputs;
  for (const auto& o : m.graph().output()) outputs.push_back(o.name());
  for (const char* name : {"prob", "crop", "bias", "droppool"})
    EXPECT_NE(std::find(outputs.begin(), outputs.end(), name), outputs.end()) << name;
}

TEST(OnnxExport, RefusesLayersWithoutOnnxFormNamingThem) {
  const std::string dir = MakeTempDir();
  const NetParameter p = Parse(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "best" type: "ArgMax" bottom: "data" top: "best" }
)");
  WriteProtoToTextFile(p, dir + "/net.prototxt");
  Net net(p);
  WriteRandomWeights(&net, 1, dir + "/w.caffemodel");
  const ToolResult r = Cnn("export_onnx --model=" + dir + "/net.prototxt --weights=" + dir + "/w.caffemodel --out=" +
                           dir + "/net.onnx");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("layer 'best' (ArgMax): has no ONNX form in this export"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(PathExists(dir + "/net.onnx"));
  const ToolResult opset = Cnn("export_onnx --model=" + dir + "/net.prototxt --weights=" + dir +
                               "/w.caffemodel --out=" + dir + "/net.onnx --opset=9");
  EXPECT_EQ(opset.status, 1);
  EXPECT_NE(opset.output.find("--opset=9: the export writes opsets 13 to 18"), std::string::npos) << opset.output;
}

// ONNX's own checker (Debian's python3-onnx), with full shape inference:
// every node's inputs, attributes and inferred shapes are valid.
TEST(OnnxExport, OnnxCheckerAcceptsTheModels) {
  std::string out;
  if (RunCommand("/usr/bin/python3 -c 'import onnx'", &out) != 0) GTEST_SKIP() << "python3-onnx is not installed";
  for (const char* flags : {"", "--opset=17"}) {
    for (const char* text : {kMixedNet, kActivationNet}) {
      Exported x = Export(Parse(text), 2, flags);
      const int rc = RunCommand("/usr/bin/python3 -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), "
                                "full_check=True)' '" + x.dir + "/net.onnx'",
                                &out);
      EXPECT_EQ(rc, 0) << x.net->name() << " " << flags << ": " << out;
      if (!HasFailure()) Remove(x);
    }
  }
}

TEST(OnnxRuntime, MixedNetMatchesCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(Parse(kMixedNet), 5);
  EXPECT_LE(CompareWithRuntime(x, modules, 17), kTolerance);
  // And at the highest opset written.
  Exported y = Export(Parse(kMixedNet), 6, "--opset=18");
  EXPECT_LE(CompareWithRuntime(y, modules, 18), kTolerance);
  if (!HasFailure()) Remove(x), Remove(y);
}

TEST(OnnxRuntime, ActivationsAndPaddingModesMatchCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(Parse(kActivationNet), 12);
  EXPECT_LE(CompareWithRuntime(x, modules, 19), kTolerance);
  if (!HasFailure()) Remove(x);
}

TEST(OnnxRuntime, LeNetDeployMatchesCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(WithBatch(ReadNetParamsFromTextFile(SourcePath("models/lenet/deploy.prototxt")), 3), 7);
  EXPECT_LE(CompareWithRuntime(x, modules, 1), kTolerance);
  if (!HasFailure()) Remove(x);
}

TEST(OnnxRuntime, GoogLeNetDeployMatchesCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(Logits(WithBatch(ReadNetParamsFromTextFile(SourcePath("models/googlenet/deploy.prototxt")), 1)), 8);
  EXPECT_LE(CompareWithRuntime(x, modules, 2), kTolerance);
  if (!HasFailure()) Remove(x);
}

// AlexNet: LRN across channels, grouped convolutions, ceil-mode pooling and
// 61 M parameters (the ONNX file holds them as initializers, 233 MiB).
TEST(OnnxRuntime, AlexNetDeployMatchesCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(Logits(WithBatch(ReadNetParamsFromTextFile(SourcePath("models/alexnet/deploy.prototxt")), 1)), 10);
  EXPECT_LE(CompareWithRuntime(x, modules, 4), kTolerance);
  if (!HasFailure()) Remove(x);
}

// ResNet-18 exported as it is (BatchNormalization + Mul/Add), and folded by
// `cnn fold_bn` first: both agree with the unfolded net in cnn.
TEST(OnnxRuntime, ResNet18DeployAndItsFoldedFormMatchCnn) {
  REQUIRE_RUNTIME(modules);
  Exported x = Export(Logits(WithBatch(ReadNetParamsFromTextFile(SourcePath("models/resnet18/deploy.prototxt")), 1)), 9);
  EXPECT_LE(CompareWithRuntime(x, modules, 3), kTolerance);
  const std::string& d = x.dir;
  ToolResult r = Cnn("fold_bn --model=" + d + "/net.prototxt --weights=" + d + "/w.caffemodel --out_model=" + d +
                     "/folded.prototxt --out_weights=" + d + "/folded.caffemodel");
  ASSERT_EQ(r.status, 0) << r.output;
  r = Cnn("export_onnx --model=" + d + "/folded.prototxt --weights=" + d + "/folded.caffemodel --out=" + d +
          "/net.onnx");
  ASSERT_EQ(r.status, 0) << r.output;
  const onnx::ModelProto m = ReadModel(d + "/net.onnx");
  for (const auto& n : m.graph().node()) EXPECT_NE(n.op_type(), "BatchNormalization") << n.name();
  // The unfolded net in cnn against the folded one in ONNX Runtime.
  EXPECT_LE(CompareWithRuntime(x, modules, 3), kTolerance);
  if (!HasFailure()) Remove(x);
}

}  // namespace
}  // namespace test
}  // namespace cnn
