// Builds Caffe's published deploy nets and checks the blob shapes their
// papers and model zoo pages give. Skipped when ../shared/reference is absent.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/insert_splits.hpp"
#include "cnn/net/net.hpp"
#include "cnn/net/state_rules.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// "" when the reference file is not there.
std::string ReferencePath(const std::string& relative) {
  const std::string path = test::SharedPath("reference/caffe/" + relative);
  return test::PathExists(path) ? path : "";
}

std::unique_ptr<Net> BuildDeploy(const std::string& path) {
  NetParameter param = ReadNetParamsFromTextFile(path);
  param.mutable_state()->set_phase(TEST);
  Context::set_random_seed(1701);
  return std::make_unique<Net>(param);
}

std::vector<int> Shape(const Net& net, const std::string& blob) { return net.blob_by_name(blob)->shape(); }

long long LearnableCount(const Net& net) {
  long long n = 0;
  for (const Blob* b : net.learnable_params()) n += b->count();
  return n;
}

// Runs the net on Gaussian input and checks every row of `prob` is a distribution.
void ExpectProbabilities(Net& net, const std::string& prob_name) {
  Context::set_random_seed(5);
  for (Blob* b : net.input_blobs()) test::FillGaussian(b, 1.f);
  net.Forward();
  const Blob& prob = *net.blob_by_name(prob_name);
  const int rows = prob.shape(0);
  const int cols = prob.count() / rows;
  for (int r = 0; r < rows; ++r) {
    double sum = 0;
    for (int c = 0; c < cols; ++c) {
      const float p = prob.cpu_data()[r * cols + c];
      EXPECT_GE(p, 0.f);
      sum += p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-4) << "row " << r;
  }
}

#define SKIP_IF_ABSENT(path) \
  if ((path).empty()) GTEST_SKIP() << "reference nets not found under " << test::SharedPath("reference/caffe")

TEST(ReferenceNets, LeNet) {
  const std::string path = ReferencePath("examples/mnist/lenet.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  EXPECT_EQ(Shape(*net, "data"), (std::vector<int>{64, 1, 28, 28}));
  EXPECT_EQ(Shape(*net, "conv1"), (std::vector<int>{64, 20, 24, 24}));
  EXPECT_EQ(Shape(*net, "pool1"), (std::vector<int>{64, 20, 12, 12}));
  EXPECT_EQ(Shape(*net, "conv2"), (std::vector<int>{64, 50, 8, 8}));
  EXPECT_EQ(Shape(*net, "pool2"), (std::vector<int>{64, 50, 4, 4}));
  EXPECT_EQ(Shape(*net, "ip1"), (std::vector<int>{64, 500}));
  EXPECT_EQ(Shape(*net, "ip2"), (std::vector<int>{64, 10}));
  EXPECT_EQ(LearnableCount(*net), 431080);
  // conv/ip biases learn at twice the rate in this file.
  EXPECT_EQ(net->params_lr(), (std::vector<float>{1, 2, 1, 2, 1, 2, 1, 2}));
  ExpectProbabilities(*net, "prob");
}

TEST(ReferenceNets, LeNetTrainTestPhases) {
  const std::string path = ReferencePath("examples/mnist/lenet_train_test.prototxt");
  SKIP_IF_ABSENT(path);
  NetParameter param = ReadNetParamsFromTextFile(path);
  param.mutable_state()->set_phase(TRAIN);
  const NetParameter train = InsertSplits(FilterNet(param));
  param.mutable_state()->set_phase(TEST);
  const NetParameter test = InsertSplits(FilterNet(param));
  auto names = [](const NetParameter& p) {
    std::vector<std::string> n;
    for (const auto& l : p.layer()) n.push_back(l.name());
    return n;
  };
  EXPECT_EQ(names(train), (std::vector<std::string>{"mnist", "conv1", "pool1", "conv2", "pool2", "ip1",
                                                    "relu1", "ip2", "loss"}));
  EXPECT_EQ(train.layer(0).data_param().batch_size(), 64u);
  EXPECT_EQ(names(test),
            (std::vector<std::string>{"mnist", "label_mnist_1_split", "conv1", "pool1", "conv2", "pool2",
                                      "ip1", "relu1", "ip2", "ip2_ip2_0_split", "accuracy", "loss"}));
  EXPECT_EQ(test.layer(0).data_param().batch_size(), 100u);
}

TEST(ReferenceNets, Cifar10Quick) {
  const std::string path = ReferencePath("examples/cifar10/cifar10_quick.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  EXPECT_EQ(Shape(*net, "conv1"), (std::vector<int>{1, 32, 32, 32}));
  EXPECT_EQ(Shape(*net, "pool1"), (std::vector<int>{1, 32, 16, 16}));  // ceil mode: (32-3)/2 rounds up
  EXPECT_EQ(Shape(*net, "pool2"), (std::vector<int>{1, 32, 8, 8}));
  EXPECT_EQ(Shape(*net, "pool3"), (std::vector<int>{1, 64, 4, 4}));
  EXPECT_EQ(Shape(*net, "ip1"), (std::vector<int>{1, 64}));
  EXPECT_EQ(Shape(*net, "ip2"), (std::vector<int>{1, 10}));
  EXPECT_EQ(LearnableCount(*net), 145578);
  ExpectProbabilities(*net, "prob");
}

TEST(ReferenceNets, Cifar10Full) {
  const std::string path = ReferencePath("examples/cifar10/cifar10_full.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  EXPECT_EQ(Shape(*net, "norm1"), (std::vector<int>{1, 32, 16, 16}));
  EXPECT_EQ(Shape(*net, "norm2"), (std::vector<int>{1, 32, 8, 8}));
  EXPECT_EQ(Shape(*net, "pool3"), (std::vector<int>{1, 64, 4, 4}));
  EXPECT_EQ(Shape(*net, "ip1"), (std::vector<int>{1, 10}));
  EXPECT_EQ(LearnableCount(*net), 89578);
  ExpectProbabilities(*net, "prob");
}

void ExpectAlexNetShapes(const Net& net) {
  EXPECT_EQ(Shape(net, "data"), (std::vector<int>{10, 3, 227, 227}));
  EXPECT_EQ(Shape(net, "conv1"), (std::vector<int>{10, 96, 55, 55}));
  EXPECT_EQ(Shape(net, "conv2"), (std::vector<int>{10, 256, 27, 27}));
  EXPECT_EQ(Shape(net, "conv5"), (std::vector<int>{10, 256, 13, 13}));
  EXPECT_EQ(Shape(net, "pool5"), (std::vector<int>{10, 256, 6, 6}));
  EXPECT_EQ(Shape(net, "fc6"), (std::vector<int>{10, 4096}));
  EXPECT_EQ(Shape(net, "fc8"), (std::vector<int>{10, 1000}));
  EXPECT_EQ(Shape(net, "prob"), (std::vector<int>{10, 1000}));
  // Grouped conv2/4/5 halve their weights' input channels.
  EXPECT_EQ(net.layer_by_name("conv2")->blobs()[0]->shape(), (std::vector<int>{256, 48, 5, 5}));
  EXPECT_EQ(LearnableCount(net), 60965224);
}

TEST(ReferenceNets, AlexNet) {
  const std::string path = ReferencePath("models/bvlc_alexnet/deploy.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  ExpectAlexNetShapes(*net);
  EXPECT_EQ(Shape(*net, "norm1"), (std::vector<int>{10, 96, 55, 55}));
  EXPECT_EQ(Shape(*net, "pool1"), (std::vector<int>{10, 96, 27, 27}));
  ExpectProbabilities(*net, "prob");
}

TEST(ReferenceNets, CaffeNet) {
  const std::string path = ReferencePath("models/bvlc_reference_caffenet/deploy.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  ExpectAlexNetShapes(*net);
  // CaffeNet pools before normalizing.
  EXPECT_EQ(Shape(*net, "pool1"), (std::vector<int>{10, 96, 27, 27}));
  EXPECT_EQ(Shape(*net, "norm1"), (std::vector<int>{10, 96, 27, 27}));
}

TEST(ReferenceNets, GoogLeNet) {
  const std::string path = ReferencePath("models/bvlc_googlenet/deploy.prototxt");
  SKIP_IF_ABSENT(path);
  auto net = BuildDeploy(path);
  EXPECT_EQ(Shape(*net, "conv1/7x7_s2"), (std::vector<int>{10, 64, 112, 112}));
  EXPECT_EQ(Shape(*net, "pool1/3x3_s2"), (std::vector<int>{10, 64, 56, 56}));
  EXPECT_EQ(Shape(*net, "inception_3a/output"), (std::vector<int>{10, 256, 28, 28}));
  EXPECT_EQ(Shape(*net, "inception_3b/output"), (std::vector<int>{10, 480, 28, 28}));
  EXPECT_EQ(Shape(*net, "inception_4e/output"), (std::vector<int>{10, 832, 14, 14}));
  EXPECT_EQ(Shape(*net, "inception_5b/output"), (std::vector<int>{10, 1024, 7, 7}));
  EXPECT_EQ(Shape(*net, "pool5/7x7_s1"), (std::vector<int>{10, 1024, 1, 1}));
  EXPECT_EQ(Shape(*net, "loss3/classifier"), (std::vector<int>{10, 1000}));
  EXPECT_EQ(Shape(*net, "prob"), (std::vector<int>{10, 1000}));
  // Each inception block's input feeds four branches through one Split.
  ASSERT_TRUE(net->has_layer("pool2/3x3_s2_pool2/3x3_s2_0_split"));
  EXPECT_EQ(net->layer_by_name("pool2/3x3_s2_pool2/3x3_s2_0_split")->layer_param().top_size(), 4);
}

}  // namespace
}  // namespace cnn
