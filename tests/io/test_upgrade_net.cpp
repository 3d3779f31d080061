#include "cnn/io/upgrade_net.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using google::protobuf::util::MessageDifferencer;

// One directory for the whole file, removed at exit; each file gets a fresh
// numbered name so tests never read another test's file.
const std::string& Scratch() {
  static struct Dir {
    std::string path = test::MakeTempDir();
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } dir;
  return dir.path;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  static int serial = 0;
  const std::string path = Scratch() + "/" + std::to_string(++serial) + "_" + name;
  std::ofstream out(path);
  out << text;
  EXPECT_TRUE(out.good()) << path;
  return path;
}

using test::ErrorOf;

template <typename M>
M Parse(const std::string& text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

std::vector<int64_t> Dims(const BlobShape& shape) { return {shape.dim().begin(), shape.dim().end()}; }

TEST(UpgradeNet, LegacyInputDimBecomesLeadingInputLayer) {
  const std::string path = WriteTemp("deploy.prototxt", R"(
name: "deploy"
input: "data"
input_dim: 10
input_dim: 3
input_dim: 227
input_dim: 227
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 96 kernel_size: 11 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
)");
  const NetParameter net = ReadNetParamsFromTextFile(path);
  ASSERT_EQ(net.layer_size(), 3);
  const LayerParameter& input = net.layer(0);
  EXPECT_EQ(input.name(), "input");
  EXPECT_EQ(input.type(), "Input");
  ASSERT_EQ(input.top_size(), 1);
  EXPECT_EQ(input.top(0), "data");
  EXPECT_EQ(input.bottom_size(), 0);
  ASSERT_EQ(input.input_param().shape_size(), 1);
  EXPECT_EQ(Dims(input.input_param().shape(0)), (std::vector<int64_t>{10, 3, 227, 227}));
  EXPECT_EQ(net.layer(1).name(), "conv1");
  EXPECT_EQ(net.layer(2).name(), "relu1");
  EXPECT_EQ(net.input_size(), 0);
  EXPECT_EQ(net.input_dim_size(), 0);
  EXPECT_EQ(net.input_shape_size(), 0);
}

TEST(UpgradeNet, LegacyInputShapesForTwoInputs) {
  NetParameter net = Parse<NetParameter>(R"(
    input: "a" input_shape { dim: 2 dim: 5 }
    input: "b" input_shape { dim: 2 }
    layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "c" })");
  EXPECT_TRUE(UpgradeNetAsNeeded("mem", &net));
  ASSERT_EQ(net.layer_size(), 2);
  const LayerParameter& input = net.layer(0);
  EXPECT_EQ(input.type(), "Input");
  ASSERT_EQ(input.top_size(), 2);
  EXPECT_EQ(input.top(1), "b");
  ASSERT_EQ(input.input_param().shape_size(), 2);
  EXPECT_EQ(Dims(input.input_param().shape(0)), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(Dims(input.input_param().shape(1)), (std::vector<int64_t>{2}));
  EXPECT_EQ(net.layer(1).name(), "cat");
}

TEST(UpgradeNet, ShapelessLegacyInputIsDropped) {
  NetParameter net = Parse<NetParameter>(R"(input: "data" layer { name: "ip" type: "InnerProduct" })");
  EXPECT_TRUE(UpgradeNetAsNeeded("mem", &net));
  EXPECT_EQ(net.input_size(), 0);
  ASSERT_EQ(net.layer_size(), 1);
  EXPECT_EQ(net.layer(0).name(), "ip");
}

TEST(UpgradeNet, MismatchedLegacyInputCountsNameTheFile) {
  const std::string path = WriteTemp("bad_dims.prototxt", R"(
input: "data"
input: "label"
input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
)");
  EXPECT_EQ(ErrorOf([&] { ReadNetParamsFromTextFile(path); }),
            path + ": 2 net inputs need 8 input_dim values (N, C, H, W each), got 4");

  NetParameter shapes = Parse<NetParameter>(R"(input: "a" input: "b" input_shape { dim: 1 })");
  EXPECT_EQ(ErrorOf([&] { UpgradeNetAsNeeded("net.prototxt", &shapes); }),
            "net.prototxt: 2 net inputs but 1 input_shape entries");

  NetParameter both = Parse<NetParameter>(R"(input: "a" input_shape { dim: 1 } input_dim: 1 input_dim: 1
                                             input_dim: 1 input_dim: 1)");
  EXPECT_NE(ErrorOf([&] { UpgradeNetAsNeeded("net.prototxt", &both); }).find("both input_shape and input_dim"),
            std::string::npos);
}

const char* const kV1Net = R"(
name: "v1"
layers {
  name: "mnist"
  type: DATA
  top: "data"
  top: "label"
  data_param { source: "train_lmdb" backend: LMDB batch_size: 64 scale: 0.00390625 mirror: true }
  include { phase: TRAIN }
}
layers {
  name: "conv"
  type: CONVOLUTION
  bottom: "data"
  top: "conv"
  blobs_lr: 1
  blobs_lr: 2
  weight_decay: 1
  weight_decay: 0
  param: "conv_w"
  param: "conv_b"
  blob_share_mode: STRICT
  blob_share_mode: PERMISSIVE
  convolution_param {
    num_output: 20
    kernel_size: 5
    stride: 1
    weight_filler { type: "xavier" }
  }
}
layers { name: "pool" type: POOLING bottom: "conv" top: "pool"
         pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "relu" type: RELU bottom: "pool" top: "pool" }
layers { name: "ip" type: INNER_PRODUCT bottom: "pool" top: "ip"
         inner_product_param { num_output: 10 } }
layers { name: "drop" type: DROPOUT bottom: "ip" top: "ip" dropout_param { dropout_ratio: 0.3 } }
layers { name: "loss" type: SOFTMAX_LOSS bottom: "ip" bottom: "label" top: "loss" loss_weight: 2
         exclude { phase: TEST } }
)";

TEST(UpgradeNet, V1NetBecomesCurrentFormat) {
  const NetParameter net = ReadNetParamsFromTextFile(WriteTemp("v1.prototxt", kV1Net));
  EXPECT_EQ(net.layers_size(), 0);
  ASSERT_EQ(net.layer_size(), 7);
  const std::vector<std::string> types = {"Data",         "Convolution", "Pooling",        "ReLU",
                                          "InnerProduct", "Dropout",     "SoftmaxWithLoss"};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(net.layer(i).type(), types[i]) << net.layer(i).name();

  const LayerParameter& data = net.layer(0);
  EXPECT_EQ(data.name(), "mnist");
  ASSERT_EQ(data.top_size(), 2);
  EXPECT_EQ(data.top(1), "label");
  ASSERT_EQ(data.include_size(), 1);
  EXPECT_EQ(data.include(0).phase(), TRAIN);
  EXPECT_EQ(data.data_param().source(), "train_lmdb");
  EXPECT_EQ(data.data_param().backend(), DataParameter::LMDB);
  EXPECT_EQ(data.data_param().batch_size(), 64u);
  // The deprecated preprocessing fields moved to transform_param.
  EXPECT_FALSE(data.data_param().has_scale());
  EXPECT_FALSE(data.data_param().has_mirror());
  EXPECT_FLOAT_EQ(data.transform_param().scale(), 0.00390625f);
  EXPECT_TRUE(data.transform_param().mirror());

  const LayerParameter& conv = net.layer(1);
  ASSERT_EQ(conv.bottom_size(), 1);
  EXPECT_EQ(conv.bottom(0), "data");
  ASSERT_EQ(conv.param_size(), 2);
  EXPECT_EQ(conv.param(0).lr_mult(), 1.f);
  EXPECT_EQ(conv.param(1).lr_mult(), 2.f);
  EXPECT_EQ(conv.param(0).decay_mult(), 1.f);
  EXPECT_EQ(conv.param(1).decay_mult(), 0.f);
  EXPECT_EQ(conv.param(0).name(), "conv_w");
  EXPECT_EQ(conv.param(1).name(), "conv_b");
  EXPECT_EQ(conv.param(0).share_mode(), ParamSpec::STRICT);
  EXPECT_EQ(conv.param(1).share_mode(), ParamSpec::PERMISSIVE);
  EXPECT_EQ(conv.convolution_param().num_output(), 20u);
  ASSERT_EQ(conv.convolution_param().kernel_size_size(), 1);
  EXPECT_EQ(conv.convolution_param().kernel_size(0), 5u);
  EXPECT_EQ(conv.convolution_param().weight_filler().type(), "xavier");

  EXPECT_EQ(net.layer(2).pooling_param().pool(), PoolingParameter::MAX);
  EXPECT_EQ(net.layer(2).pooling_param().kernel_size(), 2u);
  EXPECT_EQ(net.layer(4).inner_product_param().num_output(), 10u);
  EXPECT_FLOAT_EQ(net.layer(5).dropout_param().dropout_ratio(), 0.3f);

  const LayerParameter& loss = net.layer(6);
  ASSERT_EQ(loss.loss_weight_size(), 1);
  EXPECT_EQ(loss.loss_weight(0), 2.f);
  ASSERT_EQ(loss.exclude_size(), 1);
  EXPECT_EQ(loss.exclude(0).phase(), TEST);
  EXPECT_EQ(loss.param_size(), 0);
}

TEST(UpgradeNet, LrMultWithoutDecayGetsDefaults) {
  NetParameter net = Parse<NetParameter>(R"(layers { name: "ip" type: INNER_PRODUCT blobs_lr: 0.5 })");
  ASSERT_TRUE(UpgradeNetAsNeeded("mem", &net));
  ASSERT_EQ(net.layer(0).param_size(), 1);
  EXPECT_EQ(net.layer(0).param(0).lr_mult(), 0.5f);
  EXPECT_FALSE(net.layer(0).param(0).has_decay_mult());
  EXPECT_EQ(net.layer(0).param(0).decay_mult(), 1.f);
}

TEST(UpgradeNet, V1WeightsKeepTheirBlobs) {
  // A pre-2015 .caffemodel: binary, V1 layers, weights inside.
  NetParameter v1 = Parse<NetParameter>(R"(
    name: "old"
    input: "data"
    layers { name: "ip" type: INNER_PRODUCT bottom: "data" top: "ip"
             blobs { num: 1 channels: 1 height: 2 width: 3 data: [1, 2, 3, 4, 5, 6] }
             blobs { num: 1 channels: 1 height: 1 width: 2 data: [-1, -2] } })");
  const std::string path = Scratch() + "/old.caffemodel";
  WriteProtoToBinaryFile(v1, path);
  const NetParameter net = ReadNetParamsFromBinaryFile(path);
  ASSERT_EQ(net.layer_size(), 1);
  EXPECT_EQ(net.input_size(), 0);
  const LayerParameter& ip = net.layer(0);
  EXPECT_EQ(ip.type(), "InnerProduct");
  ASSERT_EQ(ip.blobs_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(ip.blobs(0), v1.layers(0).blobs(0)));
  EXPECT_TRUE(MessageDifferencer::Equals(ip.blobs(1), v1.layers(0).blobs(1)));
}

TEST(UpgradeNet, EveryV1TypeHasACurrentName) {
  const google::protobuf::EnumDescriptor* types = V1LayerParameter::LayerType_descriptor();
  std::set<std::string> seen;
  for (int i = 0; i < types->value_count(); ++i) {
    const auto type = static_cast<V1LayerParameter::LayerType>(types->value(i)->number());
    const std::string name = V1LayerTypeName(type);
    if (type == V1LayerParameter::NONE) {
      EXPECT_EQ(name, "");
      continue;
    }
    EXPECT_FALSE(name.empty()) << types->value(i)->name();
    EXPECT_TRUE(seen.insert(name).second) << "duplicate " << name;
  }
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::ABSVAL), "AbsVal");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::DECONVOLUTION), "Deconvolution");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::EUCLIDEAN_LOSS), "EuclideanLoss");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::HDF5_DATA), "HDF5Data");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::IM2COL), "Im2col");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::LRN), "LRN");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::SIGMOID_CROSS_ENTROPY_LOSS), "SigmoidCrossEntropyLoss");
  EXPECT_EQ(V1LayerTypeName(V1LayerParameter::TANH), "TanH");
}

TEST(UpgradeNet, V1LayerWithoutTypeIsAnError) {
  NetParameter net = Parse<NetParameter>(R"(layers { name: "mystery" bottom: "x" top: "y" })");
  EXPECT_EQ(ErrorOf([&] { UpgradeNetAsNeeded("old.prototxt", &net); }),
            "old.prototxt: V1 layer 'mystery' has no layer type");
}

TEST(UpgradeNet, V0NetIsRejectedWithAPointer) {
  const std::string path = WriteTemp("v0.prototxt", R"(
name: "ancient"
layers {
  layer { name: "conv1" type: "conv" num_output: 96 kernelsize: 11 }
  bottom: "data"
  top: "conv1"
}
)");
  const std::string msg = ErrorOf([&] { ReadNetParamsFromTextFile(path); });
  EXPECT_EQ(msg.rfind(path + ": uses Caffe's V0 net format, which is not supported when loading; convert it "
                             "once with `cnn upgrade_net_proto_text IN OUT`",
                      0),
            0u)
      << msg;
}

TEST(UpgradeNet, MixedLayerListsAreAnError) {
  NetParameter net = Parse<NetParameter>(R"(layer { name: "a" type: "ReLU" } layers { name: "b" type: RELU })");
  EXPECT_NE(ErrorOf([&] { UpgradeNetAsNeeded("mixed.prototxt", &net); }).find("mixed.prototxt: mixes"),
            std::string::npos);
}

TEST(UpgradeNet, CurrentNetIsLeftAlone) {
  NetParameter net = Parse<NetParameter>(R"(
    name: "now"
    layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 } } }
    layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" }
    layer { name: "ip" type: "InnerProduct" bottom: "bn" top: "ip" param { lr_mult: 3 } })");
  const NetParameter before = net;
  EXPECT_FALSE(UpgradeNetAsNeeded("now.prototxt", &net));
  EXPECT_TRUE(MessageDifferencer::Equals(before, net));
}

TEST(UpgradeNet, BatchNormStatisticsAreFrozen) {
  NetParameter net = Parse<NetParameter>(R"(
    layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x"
            param { name: "mean" lr_mult: 1 } param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 0 } }
    layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y"
            param { lr_mult: 1 } param { lr_mult: 2 } param { lr_mult: 3 } })");
  EXPECT_TRUE(UpgradeNetAsNeeded("bn.prototxt", &net));
  ASSERT_EQ(net.layer(0).param_size(), 3);
  for (const ParamSpec& p : net.layer(0).param()) {
    EXPECT_EQ(p.lr_mult(), 0.f);
    EXPECT_EQ(p.decay_mult(), 0.f);
  }
  EXPECT_EQ(net.layer(0).param(0).name(), "mean");
  EXPECT_EQ(net.layer(1).param(2).lr_mult(), 3.f);
}

TEST(UpgradeSolver, SolverTypeEnumBecomesTypeString) {
  const std::pair<const char*, const char*> cases[] = {{"SGD", "SGD"},         {"NESTEROV", "Nesterov"},
                                                       {"ADAGRAD", "AdaGrad"}, {"RMSPROP", "RMSProp"},
                                                       {"ADADELTA", "AdaDelta"}, {"ADAM", "Adam"}};
  for (const auto& [old_name, new_name] : cases) {
    const std::string path = WriteTemp("solver.prototxt", std::string("base_lr: 0.01\nsolver_type: ") + old_name + "\n");
    const SolverParameter solver = ReadSolverParamsFromTextFile(path);
    EXPECT_EQ(solver.type(), new_name) << old_name;
    EXPECT_FALSE(solver.has_solver_type()) << old_name;
    EXPECT_FLOAT_EQ(solver.base_lr(), 0.01f);
  }
}

TEST(UpgradeSolver, TypeStringIsKept) {
  SolverParameter solver = Parse<SolverParameter>(R"(type: "Adam" momentum: 0.9)");
  EXPECT_FALSE(UpgradeSolverAsNeeded("s.prototxt", &solver));
  EXPECT_EQ(solver.type(), "Adam");
}

TEST(UpgradeSolver, BothTypeFieldsAreAnError) {
  SolverParameter solver = Parse<SolverParameter>(R"(type: "Adam" solver_type: NESTEROV)");
  EXPECT_EQ(ErrorOf([&] { UpgradeSolverAsNeeded("s.prototxt", &solver); }),
            "s.prototxt: sets both the deprecated solver_type and type; remove solver_type");
}

TEST(UpgradeSolver, InlineNetsAreUpgraded) {
  SolverParameter solver = Parse<SolverParameter>(R"(
    net_param { layers { name: "relu" type: RELU bottom: "x" top: "x" } }
    test_net_param { input: "x" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2 })");
  EXPECT_TRUE(UpgradeSolverAsNeeded("s.prototxt", &solver));
  ASSERT_EQ(solver.net_param().layer_size(), 1);
  EXPECT_EQ(solver.net_param().layer(0).type(), "ReLU");
  ASSERT_EQ(solver.test_net_param(0).layer_size(), 1);
  EXPECT_EQ(solver.test_net_param(0).layer(0).type(), "Input");
}

}  // namespace
}  // namespace cnn
