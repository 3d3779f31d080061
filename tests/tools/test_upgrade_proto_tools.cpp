// `cnn upgrade_net_proto_text`, `upgrade_net_proto_binary` and
// `upgrade_solver_proto_text` on old-format files written here (V1 `layers`,
// V1 data-layer preprocessing, legacy `input` fields, `solver_type`) and on
// Caffe's reference files when ../shared has them: what they write re-reads
// and equals the in-memory upgrade, holds the values worked out by hand
// below, and current files come out byte for byte as they went in.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/io/proto_io.hpp"
#include "cnn/io/upgrade_net.hpp"
#include "cnn/io/upgrade_v0_net.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

using google::protobuf::util::MessageDifferencer;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void ExpectOneLineError(const ToolResult& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 1) << r.output;
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("cnn: error: ", 0), 0u) << lines[0];
  for (const auto& p : parts) EXPECT_TRUE(Contains(lines[0], p)) << "expected '" << p << "' in: " << lines[0];
}

// A deploy net in Caffe's V1 format with the legacy input fields.
const char* kV1Deploy = R"(name: "old"
input: "data"
input_dim: 2 input_dim: 1 input_dim: 5 input_dim: 5
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
  convolution_param { num_output: 3 kernel_size: 3 weight_filler { type: "xavier" } } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "ip" type: INNER_PRODUCT bottom: "conv" top: "ip" param: "shared_w"
  inner_product_param { num_output: 2 } }
layers { name: "prob" type: SOFTMAX bottom: "ip" top: "prob" }
)";

// A V1 training net whose data layer still holds its preprocessing.
const char* kV1Train = R"(name: "oldtrain"
layers { name: "d" type: DATA top: "data" top: "label"
  data_param { source: "db" batch_size: 4 scale: 0.5 mean_file: "m.binaryproto" crop_size: 3 mirror: true } }
layers { name: "ip" type: INNER_PRODUCT bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
layers { name: "loss" type: SOFTMAX_LOSS bottom: "ip" bottom: "label" top: "loss" loss_weight: 2 }
)";

// Caffe's first (V0) format: flat options, a padding layer of its own.
const char* kV0Net = R"(name: "v0net"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layers { layer { name: "pad1" type: "padding" pad: 2 } bottom: "data" top: "pad1" }
layers { layer { name: "conv1" type: "conv" num_output: 4 kernelsize: 5 stride: 1 biasterm: false
    weight_filler { type: "gaussian" std: 0.01 } blobs_lr: 1 weight_decay: 1 } bottom: "pad1" top: "conv1" }
layers { layer { name: "relu1" type: "relu" } bottom: "conv1" top: "conv1" }
layers { layer { name: "pool1" type: "pool" pool: AVE kernelsize: 2 stride: 2 } bottom: "conv1" top: "pool1" }
layers { layer { name: "norm1" type: "lrn" local_size: 3 alpha: 0.0001 beta: 0.75 } bottom: "pool1" top: "norm1" }
layers { layer { name: "fc" type: "innerproduct" num_output: 10 } bottom: "norm1" top: "fc" }
layers { layer { name: "drop" type: "dropout" dropout_ratio: 0.3 } bottom: "fc" top: "fc" }
layers { layer { name: "prob" type: "softmax" } bottom: "fc" top: "prob" }
)";

const char* kV0Data = R"(name: "v0data"
layers { layer { name: "d" type: "data" source: "db" batchsize: 4 scale: 0.5 meanfile: "m.binaryproto"
    cropsize: 3 mirror: true rand_skip: 7 } top: "data" top: "label" }
layers { layer { name: "loss" type: "softmax_loss" } bottom: "data" bottom: "label" top: "loss" }
)";

const char* kCurrentNet = R"(# a comment that only a byte-for-byte copy keeps
name: "new"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }
)";

class UpgradeTools : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name), std::ios::binary) << text;
    return Path(name);
  }
  std::string dir_;
};

template <typename Message>
Message ParseText(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m));
  return m;
}

void ExpectEqualMessages(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(a, b)) << diff;
}

TEST_F(UpgradeTools, V1NetWithLegacyInputsToCurrentText) {
  const std::string in = Write("old.prototxt", kV1Deploy);
  const ToolResult r = Cnn("upgrade_net_proto_text " + in + " " + Path("new.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "converted 4 V1 `layers`")) << r.output;
  EXPECT_TRUE(Contains(r.output, "with an Input layer")) << r.output;

  NetParameter written;
  ReadProtoFromTextFile(Path("new.prototxt"), &written);
  NetParameter expected = ParseText<NetParameter>(kV1Deploy);
  ASSERT_TRUE(UpgradeNetAsNeeded("fixture", &expected));
  ExpectEqualMessages(written, expected);

  // What the upgrade must give, worked out from Caffe's V1 rules.
  EXPECT_EQ(written.layers_size(), 0);
  EXPECT_EQ(written.input_size() + written.input_dim_size(), 0);
  ASSERT_EQ(written.layer_size(), 5);
  EXPECT_EQ(written.layer(0).type(), "Input");
  EXPECT_EQ(written.layer(0).top(0), "data");
  EXPECT_EQ(written.layer(0).input_param().shape(0).ShortDebugString(), "dim: 2 dim: 1 dim: 5 dim: 5");
  const LayerParameter& conv = written.layer(1);
  EXPECT_EQ(conv.type(), "Convolution");
  ASSERT_EQ(conv.param_size(), 2);
  EXPECT_EQ(conv.param(0).lr_mult(), 1.f);
  EXPECT_EQ(conv.param(1).lr_mult(), 2.f);
  EXPECT_EQ(conv.param(1).decay_mult(), 0.f);
  EXPECT_EQ(conv.convolution_param().num_output(), 3u);
  EXPECT_EQ(written.layer(2).type(), "ReLU");
  EXPECT_EQ(written.layer(3).type(), "InnerProduct");
  EXPECT_EQ(written.layer(3).param(0).name(), "shared_w");
  EXPECT_EQ(written.layer(4).type(), "Softmax");
  // And the result is a net cnn builds, with the shapes the old file meant.
  Net net(ReadNetParamsFromTextFile(Path("new.prototxt")));
  EXPECT_EQ(net.blob_by_name("prob")->shape_string(), "2 2 (4)");
}

// What UpgradeNetAsNeeded gives once the V0 layers are V1.
NetParameter UpgradedV0(const std::string& text) {
  NetParameter net = ParseText<NetParameter>(text);
  EXPECT_TRUE(UpgradeV0Net("fixture", &net));
  UpgradeNetAsNeeded("fixture", &net);
  return net;
}

TEST_F(UpgradeTools, V0NetWithAPaddingLayerToCurrentText) {
  const std::string in = Write("v0.prototxt", kV0Net);
  const ToolResult r = Cnn("upgrade_net_proto_text " + in + " " + Path("new.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "converted 8 V0 layers to V1 (1 padding layer(s) folded")) << r.output;
  EXPECT_TRUE(Contains(r.output, "converted 7 V1 `layers`")) << r.output;
  NetParameter written;
  ReadProtoFromTextFile(Path("new.prototxt"), &written);
  ExpectEqualMessages(written, UpgradedV0(kV0Net));
  // Worked out from the V0 options by hand.
  ASSERT_EQ(written.layer_size(), 8);
  EXPECT_EQ(written.layer(0).type(), "Input");
  const LayerParameter& conv = written.layer(1);
  EXPECT_EQ(conv.name(), "conv1");
  EXPECT_EQ(conv.type(), "Convolution");
  ASSERT_EQ(conv.bottom_size(), 1);
  EXPECT_EQ(conv.bottom(0), "data");  // the padding layer is gone, its pad is the convolution's
  EXPECT_EQ(conv.convolution_param().ShortDebugString(),
            "num_output: 4 bias_term: false pad: 2 kernel_size: 5 stride: 1 "
            "weight_filler { type: \"gaussian\" std: 0.01 }");
  ASSERT_EQ(conv.param_size(), 1);
  EXPECT_EQ(conv.param(0).lr_mult(), 1.f);
  EXPECT_EQ(conv.param(0).decay_mult(), 1.f);
  EXPECT_EQ(written.layer(3).pooling_param().ShortDebugString(), "pool: AVE kernel_size: 2 stride: 2");
  EXPECT_EQ(written.layer(4).type(), "LRN");
  EXPECT_EQ(written.layer(4).lrn_param().local_size(), 3u);
  EXPECT_EQ(written.layer(5).inner_product_param().num_output(), 10u);
  EXPECT_EQ(written.layer(6).dropout_param().dropout_ratio(), 0.3f);
  EXPECT_EQ(written.layer(7).type(), "Softmax");
  // 8x8 padded by 2, a 5x5 kernel: 8x8 maps, pooled to 4x4, then 10 scores.
  Net net(ReadNetParamsFromTextFile(Path("new.prototxt")));
  EXPECT_EQ(net.blob_by_name("conv1")->shape_string(), "1 4 8 8 (256)");
  EXPECT_EQ(net.blob_by_name("prob")->shape_string(), "1 10 (10)");
}

TEST_F(UpgradeTools, V0DataLayerOptionsReachDataAndTransformParam) {
  const std::string in = Write("v0data.prototxt", kV0Data);
  const ToolResult r = Cnn("upgrade_net_proto_text " + in + " " + Path("new.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  NetParameter written;
  ReadProtoFromTextFile(Path("new.prototxt"), &written);
  ExpectEqualMessages(written, UpgradedV0(kV0Data));
  const LayerParameter& data = written.layer(0);
  EXPECT_EQ(data.type(), "Data");
  EXPECT_EQ(data.data_param().ShortDebugString(), "source: \"db\" batch_size: 4 rand_skip: 7");
  EXPECT_EQ(data.transform_param().ShortDebugString(),
            "scale: 0.5 mirror: true crop_size: 3 mean_file: \"m.binaryproto\"");
  EXPECT_EQ(written.layer(1).type(), "SoftmaxWithLoss");
}

TEST_F(UpgradeTools, V1DataLayerPreprocessingMovesToTransformParam) {
  const std::string in = Write("train.prototxt", kV1Train);
  const ToolResult r = Cnn("upgrade_net_proto_text " + in + " " + Path("out.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "into transform_param")) << r.output;
  NetParameter written;
  ReadProtoFromTextFile(Path("out.prototxt"), &written);
  NetParameter expected = ParseText<NetParameter>(kV1Train);
  UpgradeNetAsNeeded("fixture", &expected);
  ExpectEqualMessages(written, expected);
  const LayerParameter& data = written.layer(0);
  EXPECT_EQ(data.type(), "Data");
  EXPECT_EQ(data.transform_param().scale(), 0.5f);
  EXPECT_EQ(data.transform_param().mean_file(), "m.binaryproto");
  EXPECT_EQ(data.transform_param().crop_size(), 3u);
  EXPECT_TRUE(data.transform_param().mirror());
  EXPECT_FALSE(data.data_param().has_scale());
  EXPECT_FALSE(data.data_param().has_crop_size());
  EXPECT_EQ(data.data_param().batch_size(), 4u);
  EXPECT_EQ(written.layer(2).type(), "SoftmaxWithLoss");
  ASSERT_EQ(written.layer(2).loss_weight_size(), 1);
  EXPECT_EQ(written.layer(2).loss_weight(0), 2.f);
}

TEST_F(UpgradeTools, V1WeightsToCurrentBinaryKeepTheBlobs) {
  NetParameter old = ParseText<NetParameter>(kV1Deploy);
  // Learned blobs as an old Caffe saved them, with values to follow through.
  BlobProto* w = old.mutable_layers(0)->add_blobs();
  for (int d : {3, 1, 3, 3}) w->mutable_shape()->add_dim(d);
  for (int i = 0; i < 27; ++i) w->add_data(0.25f * i - 3.f);
  BlobProto* b = old.mutable_layers(0)->add_blobs();
  b->mutable_shape()->add_dim(3);
  for (float v : {0.5f, -1.5f, 2.f}) b->add_data(v);
  WriteProtoToBinaryFile(old, Path("old.caffemodel"));

  const ToolResult r = Cnn("upgrade_net_proto_binary " + Path("old.caffemodel") + " " + Path("new.caffemodel"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "converted 4 V1 `layers`")) << r.output;
  NetParameter written;
  ReadProtoFromBinaryFile(Path("new.caffemodel"), &written);
  NetParameter expected = old;
  UpgradeNetAsNeeded("fixture", &expected);
  ExpectEqualMessages(written, expected);
  const LayerParameter& conv = written.layer(1);
  ASSERT_EQ(conv.name(), "conv");
  ASSERT_EQ(conv.blobs_size(), 2);
  ExpectEqualMessages(conv.blobs(0), *w);
  ExpectEqualMessages(conv.blobs(1), *b);
}

TEST_F(UpgradeTools, V0WeightsToCurrentBinaryKeepTheBlobs) {
  NetParameter old = ParseText<NetParameter>(kV0Net);
  BlobProto* w = old.mutable_layers(1)->mutable_layer()->add_blobs();
  for (int d : {4, 3, 5, 5}) w->mutable_shape()->add_dim(d);
  for (int i = 0; i < 300; ++i) w->add_data(0.01f * i);
  WriteProtoToBinaryFile(old, Path("v0.caffemodel"));
  const ToolResult r = Cnn("upgrade_net_proto_binary " + Path("v0.caffemodel") + " " + Path("new.caffemodel"));
  ASSERT_EQ(r.status, 0) << r.output;
  NetParameter written;
  ReadProtoFromBinaryFile(Path("new.caffemodel"), &written);
  NetParameter expected = old;
  ASSERT_TRUE(UpgradeV0Net("fixture", &expected));
  UpgradeNetAsNeeded("fixture", &expected);
  ExpectEqualMessages(written, expected);
  ASSERT_EQ(written.layer(1).name(), "conv1");
  ASSERT_EQ(written.layer(1).blobs_size(), 1);
  ExpectEqualMessages(written.layer(1).blobs(0), *w);
}

TEST_F(UpgradeTools, SolverTypeAndInlineV1NetToCurrentText) {
  std::string text = "base_lr: 0.01\nsolver_type: ADAM\nmomentum: 0.9\nnet_param {\n";
  text += kV1Train;
  text += "}\n";
  const std::string in = Write("solver.prototxt", text);
  const ToolResult r = Cnn("upgrade_solver_proto_text " + in + " " + Path("out.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "replaced solver_type: ADAM with type: \"Adam\"")) << r.output;
  EXPECT_TRUE(Contains(r.output, "net_param: converted 3 V1 `layers`")) << r.output;
  SolverParameter written;
  ReadProtoFromTextFile(Path("out.prototxt"), &written);
  SolverParameter expected = ParseText<SolverParameter>(text);
  ASSERT_TRUE(UpgradeSolverAsNeeded("fixture", &expected));
  ExpectEqualMessages(written, expected);
  EXPECT_FALSE(written.has_solver_type());
  EXPECT_EQ(written.type(), "Adam");
  EXPECT_EQ(written.net_param().layers_size(), 0);
  EXPECT_EQ(written.net_param().layer(0).transform_param().scale(), 0.5f);
}

TEST_F(UpgradeTools, EverySolverTypeMapsToItsName) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"SGD", "SGD"}, {"NESTEROV", "Nesterov"}, {"ADAGRAD", "AdaGrad"},
      {"RMSPROP", "RMSProp"}, {"ADADELTA", "AdaDelta"}, {"ADAM", "Adam"}};
  for (const auto& [old_name, name] : names) {
    const std::string in = Write(old_name + ".prototxt", "net: \"n.prototxt\"\nsolver_type: " + old_name + "\n");
    const ToolResult r = Cnn("upgrade_solver_proto_text " + in + " " + Path(old_name + ".out"));
    ASSERT_EQ(r.status, 0) << r.output;
    SolverParameter written;
    ReadProtoFromTextFile(Path(old_name + ".out"), &written);
    EXPECT_EQ(written.type(), name);
    EXPECT_FALSE(written.has_solver_type());
    EXPECT_EQ(written.net(), "n.prototxt");
  }
}

TEST_F(UpgradeTools, CurrentFilesAreWrittenUnchangedWithANote) {
  const std::string net = Write("net.prototxt", kCurrentNet);
  ToolResult r = Cnn("upgrade_net_proto_text " + net + " " + Path("net.out"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "already in the current format")) << r.output;
  EXPECT_EQ(ReadBytes(Path("net.out")), kCurrentNet);

  const std::string solver_text = "# keep me\nnet: \"n.prototxt\"\ntype: \"Adam\"\n";
  const std::string solver = Write("solver.prototxt", solver_text);
  r = Cnn("upgrade_solver_proto_text " + solver + " " + Path("solver.out"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "already in the current format")) << r.output;
  EXPECT_EQ(ReadBytes(Path("solver.out")), solver_text);

  WriteProtoToBinaryFile(ParseText<NetParameter>(kCurrentNet), Path("w.caffemodel"));
  r = Cnn("upgrade_net_proto_binary " + Path("w.caffemodel") + " " + Path("w.out"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "already in the current format")) << r.output;
  EXPECT_EQ(ReadBytes(Path("w.out")), ReadBytes(Path("w.caffemodel")));

  // In place: nothing to do, and the file is left as it was.
  r = Cnn("upgrade_net_proto_text " + net + " " + net);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadBytes(net), kCurrentNet);
}

TEST_F(UpgradeTools, BadFilesAreOneLineErrorsAndWriteNothing) {
  const std::string out = Path("out");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + Path("missing.prototxt") + " " + out),
                     {Path("missing.prototxt")});
  const std::string broken = Write("broken.prototxt", "name: \"x\"\nlayers { name: \"a\" type: NOT_A_TYPE }\n");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + broken + " " + out), {broken + ":2:"});
  const std::string v0_type = Write("v0type.prototxt", "layers { layer { name: \"c\" type: \"mystery\" } }\n");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + v0_type + " " + out),
                     {v0_type, "V0 layer 'c' (type \"mystery\")", "does not define"});
  const std::string v0_field =
      Write("v0field.prototxt", "layers { layer { name: \"r\" type: \"relu\" num_output: 3 } top: \"x\" }\n");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + v0_field + " " + out),
                     {v0_field, "V0 layer 'r' (type \"relu\") sets num_output, which that type does not take"});
  const std::string v0_pad = Write("v0pad.prototxt",
                                   "layers { layer { name: \"p\" type: \"padding\" pad: 1 } bottom: \"a\" top: \"b\" }\n"
                                   "layers { layer { name: \"r\" type: \"relu\" } bottom: \"b\" top: \"c\" }\n");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + v0_pad + " " + out),
                     {v0_pad, "V0 layer 'r' reads 'b' from a padding layer"});
  const std::string empty = Write("empty.prototxt", "");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + empty + " " + out), {empty, "defines no layers"});
  const std::string mixed =
      Write("mixed.prototxt", "layer { name: \"a\" type: \"ReLU\" }\nlayers { name: \"b\" type: RELU }\n");
  ExpectOneLineError(Cnn("upgrade_net_proto_text " + mixed + " " + out), {mixed, "mixes"});
  const std::string garbage = Write("garbage.caffemodel", "\xff\xff\xff\xff not a protobuf");
  ExpectOneLineError(Cnn("upgrade_net_proto_binary " + garbage + " " + out), {garbage, "not a valid binary"});
  const std::string no_net = Write("nonet.prototxt", "base_lr: 0.1\n");
  ExpectOneLineError(Cnn("upgrade_solver_proto_text " + no_net + " " + out), {no_net, "names no net"});
  const std::string both = Write("both.prototxt", "net: \"n\"\nsolver_type: ADAM\ntype: \"SGD\"\n");
  ExpectOneLineError(Cnn("upgrade_solver_proto_text " + both + " " + out), {both, "both"});
  ExpectOneLineError(Cnn("upgrade_net_proto_binary " + garbage), {"takes IN.caffemodel OUT.caffemodel"});
  EXPECT_FALSE(PathExists(out));
}

// Caffe's own nets and the models' solvers (already current) pass through
// unchanged and re-read as what cnn's reader makes of them.
TEST_F(UpgradeTools, CaffeReferenceFilesRoundTrip) {
  const std::string root = SharedPath("reference/caffe");
  if (!PathExists(root)) GTEST_SKIP() << root << " is absent";
  int nets = 0;
  int solvers = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".prototxt") continue;
    const std::string in = entry.path().string();
    const bool solver = entry.path().filename().string().find("solver") != std::string::npos;
    // Each run starts the tool (about a second on a loaded machine): the
    // examples' many solver variants add nothing the models' three do not.
    if (solver && in.find("/models/") == std::string::npos) continue;
    const std::string out = Path(std::to_string(nets + solvers) + ".prototxt");
    const ToolResult r =
        Cnn(std::string(solver ? "upgrade_solver_proto_text " : "upgrade_net_proto_text ") + in + " " + out);
    ASSERT_EQ(r.status, 0) << in << ": " << r.output;
    if (solver) {
      SolverParameter written, expected;
      ReadProtoFromTextFile(out, &written);
      ReadProtoFromTextFile(in, &expected);
      UpgradeSolverAsNeeded(in, &expected);
      ExpectEqualMessages(written, expected);
      ++solvers;
    } else {
      NetParameter written;
      ReadProtoFromTextFile(out, &written);
      ExpectEqualMessages(written, ReadNetParamsFromTextFile(in));
      ++nets;
    }
  }
  EXPECT_GT(nets, 0);
  EXPECT_GT(solvers, 0);
}

}  // namespace
}  // namespace test
}  // namespace cnn
