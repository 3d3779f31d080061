// fold_bn: the folded net computes what the original did in the TEST phase
// (random weights and statistics, random inputs), the folded layers are
// gone, and nets where folding is not valid are refused with a line naming
// the layer.
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "cnn/deploy/fold_batch_norm.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "deploy/random_weights.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

NetParameter Parse(const std::string& text) {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p));
  p.mutable_state()->set_phase(TEST);
  return p;
}

// conv (no bias) -> BN -> Scale (bias) -> ReLU, in place; then a strided
// conv with bias whose BN writes a new top and has no Scale; then an
// InnerProduct -> BN -> Scale (no bias), transposed weights; a grouped
// Deconvolution -> BN -> Scale.
const char* kNet = R"(
name: "small"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 9 dim: 9 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
        convolution_param { num_output: 5 kernel_size: 3 stride: 2 group: 1 } }
layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "bn2" batch_norm_param { eps: 0.001 } }
layer { name: "ip" type: "InnerProduct" bottom: "bn2" top: "ip" inner_product_param { num_output: 6 transpose: true } }
layer { name: "bn3" type: "BatchNorm" bottom: "ip" top: "ip" }
layer { name: "scale3" type: "Scale" bottom: "ip" top: "ip" }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
layer { name: "up" type: "Deconvolution" bottom: "conv1" top: "up"
        convolution_param { num_output: 6 kernel_size: 2 stride: 2 group: 2 bias_term: false } }
layer { name: "bn_up" type: "BatchNorm" bottom: "up" top: "up" }
layer { name: "scale_up" type: "Scale" bottom: "up" top: "up" scale_param { bias_term: true } }
)";

TEST(FoldBn, FoldedSmallNetMatchesOriginal) {
  const NetParameter model = Parse(kNet);
  Net net(model);
  Randomize(&net, 7);
  const FoldedNet folded = FoldBatchNorm(model, net);
  ASSERT_EQ(folded.folds.size(), 4u);
  EXPECT_EQ(folded.folds[3], "up <- bn_up, scale_up");
  EXPECT_EQ(folded.folds[0], "conv1 <- bn1, scale1");
  EXPECT_EQ(folded.folds[1], "conv2 <- bn2");
  EXPECT_EQ(folded.folds[2], "ip <- bn3, scale3");
  for (const auto& l : folded.model.layer()) {
    EXPECT_NE(l.type(), "BatchNorm") << l.name();
    EXPECT_NE(l.type(), "Scale") << l.name();
  }
  // conv2's BatchNorm wrote "bn2": the folded conv2 now does, for the InnerProduct.
  EXPECT_EQ(folded.model.layer(3).name(), "conv2");
  EXPECT_EQ(folded.model.layer(3).top(0), "bn2");
  EXPECT_TRUE(folded.model.layer(1).convolution_param().bias_term());
  Net check(folded.model);
  check.CopyTrainedLayersFrom(folded.weights);
  EXPECT_TRUE(check.LayersWithoutTrainedWeights().empty());
  const double diff = MaxRelativeOutputDifference(net, check, 3, 5);
  EXPECT_LT(diff, 1e-5);
  // And the check would see a wrong fold: perturb one folded bias.
  check.layer_by_name("conv2")->blobs()[1]->mutable_cpu_data()[0] += 0.5f;
  EXPECT_GT(MaxRelativeOutputDifference(net, check, 1, 5), 1e-3);
}

std::string FoldError(const std::string& text) {
  const NetParameter model = Parse(text);
  Net net(model);
  Randomize(&net, 3);
  return ErrorOf([&] { FoldBatchNorm(model, net); });
}

TEST(FoldBn, RefusesSharedStatistics) {
  const std::string e = FoldError(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn_a" type: "BatchNorm" bottom: "c1" top: "c1" param { name: "m" lr_mult: 0 } }
layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn_b" type: "BatchNorm" bottom: "c2" top: "c2" param { name: "m" lr_mult: 0 } }
)");
  EXPECT_NE(e.find("'bn_a' (BatchNorm) shares its blob 'm'"), std::string::npos) << e;
}

TEST(FoldBn, RefusesProducerOutputReadElsewhere) {
  const std::string e = FoldError(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "c1" top: "bn" }
layer { name: "sum" type: "Eltwise" bottom: "c1" bottom: "bn" top: "sum" }
)");
  EXPECT_NE(e.find("cannot fold BatchNorm 'bn' into Convolution 'c1': layer 'sum' also reads the unnormalised "
                   "output 'c1'"),
            std::string::npos)
      << e;
}

TEST(FoldBn, RefusesBatchStatisticsInTest) {
  const std::string e = FoldError(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 2 dim: 4 dim: 4 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "c1" top: "c1" batch_norm_param { use_global_stats: false } }
)");
  EXPECT_NE(e.find("cannot fold BatchNorm 'bn': use_global_stats is false"), std::string::npos) << e;
}

TEST(FoldBn, KeepsBatchNormAfterOtherLayersAndRefusesWhenNothingFolds) {
  const std::string e = FoldError(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { kernel_size: 2 stride: 2 } }
layer { name: "bn" type: "BatchNorm" bottom: "pool" top: "pool" }
)");
  EXPECT_NE(e.find("nothing to fold"), std::string::npos) << e;
  EXPECT_NE(e.find("bn (its input 'pool' comes from Pooling 'pool'"), std::string::npos) << e;
}

// The command end to end: files written, summary lines, and the folded files
// load and agree with the original.
TEST(FoldBn, CommandWritesFoldedNetAndChecksIt) {
  const std::string dir = MakeTempDir();
  {
    std::ofstream(dir + "/net.prototxt") << kNet;
  }
  Net net(Parse(kNet));
  WriteRandomWeights(&net, 11, dir + "/w.caffemodel");
  const ToolResult r = Cnn("fold_bn --model=" + dir + "/net.prototxt --weights=" + dir + "/w.caffemodel --out_model=" +
                           dir + "/f.prototxt --out_weights=" + dir + "/f.caffemodel");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("folded conv1 <- bn1, scale1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("check: 3 random batches"), std::string::npos) << r.output;
  NetParameter fp = ReadNetParamsFromTextFile(dir + "/f.prototxt");
  fp.mutable_state()->set_phase(TEST);
  Net folded(fp);
  folded.CopyTrainedLayersFromFile(dir + "/f.caffemodel");
  EXPECT_LT(MaxRelativeOutputDifference(net, folded, 2, 9), 1e-5);

  // A refusal is one line naming the file and the layer, and writes nothing.
  {
    std::ofstream(dir + "/bad.prototxt") << R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 2 dim: 4 dim: 4 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "c1" top: "c1" batch_norm_param { use_global_stats: false } }
)";
  }
  Net bad(Parse(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 2 dim: 4 dim: 4 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "c1" top: "c1" }
)"));
  WriteRandomWeights(&bad, 1, dir + "/bad.caffemodel");
  const ToolResult refused = Cnn("fold_bn --model=" + dir + "/bad.prototxt --weights=" + dir +
                                 "/bad.caffemodel --out_model=" + dir + "/g.prototxt --out_weights=" + dir +
                                 "/g.caffemodel");
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("bad.prototxt: cannot fold BatchNorm 'bn': use_global_stats is false"),
            std::string::npos)
      << refused.output;
  EXPECT_FALSE(PathExists(dir + "/g.prototxt"));
}

// ResNet-18's deploy net (models/), batch 2, random weights: all 20
// BatchNorm + Scale pairs fold and the class probabilities agree.
TEST(FoldBn, ResNet18DeployMatchesOriginal) {
  NetParameter model = WithBatch(ReadNetParamsFromTextFile(SourcePath("models/resnet18/deploy.prototxt")), 2);
  model.mutable_state()->set_phase(TEST);
  Net net(model);
  Randomize(&net, 21);
  const FoldedNet folded = FoldBatchNorm(model, net);
  EXPECT_EQ(folded.folds.size(), 20u);
  EXPECT_TRUE(folded.kept.empty());
  Net check(folded.model);
  check.CopyTrainedLayersFrom(folded.weights);
  EXPECT_LT(MaxRelativeOutputDifference(net, check, 1, 4), 1e-5);
  // A random net's softmax may saturate and hide differences: its logits
  // (from the same batch, still in both nets) must agree too.
  const Blob& a = *net.blob_by_name("fc1000");
  const Blob& b = *check.blob_by_name("fc1000");
  double diff = 0, ref = 0;
  for (int i = 0; i < a.count(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a.cpu_data()[i]) - b.cpu_data()[i]));
    ref = std::max(ref, std::fabs(static_cast<double>(a.cpu_data()[i])));
  }
  EXPECT_GT(ref, 0.1);
  EXPECT_LT(diff / ref, 1e-5) << diff << " of " << ref;
}

}  // namespace
}  // namespace test
}  // namespace cnn
