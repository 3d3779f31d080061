#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "cnn/core/common.hpp"
#include "cnn/net/insert_splits.hpp"

namespace cnn {
namespace {

NetParameter Parse(const std::string& text) {
  NetParameter m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

void ExpectSplitsGive(const std::string& input, const std::string& expected) {
  const NetParameter actual = InsertSplits(Parse(input));
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(Parse(expected), actual)) << diff << "\nactual:\n" << actual.DebugString();
}

TEST(InsertSplits, Names) {
  EXPECT_EQ(SplitLayerName("conv1", "data", 0), "data_conv1_0_split");
  EXPECT_EQ(SplitBlobName("conv1", "data", 1, 2), "data_conv1_1_split_2");
}

TEST(InsertSplits, NothingToDoWhenEachTopHasOneReader) {
  const std::string net = R"(
    name: 'chain' force_backward: true
    layer { name: 'data' type: 'DummyData' top: 'data' top: 'label' }
    layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' }
    layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }
  )";
  ExpectSplitsGive(net, net);
}

TEST(InsertSplits, NothingToDoForAnInPlaceChain) {
  const std::string net = R"(
    layer { name: 'data' type: 'Input' top: 'data' }
    layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' }
    layer { name: 'relu' type: 'ReLU' bottom: 'ip' top: 'ip' }
    layer { name: 'drop' type: 'Dropout' bottom: 'ip' top: 'ip' }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip' top: 'ip2' }
  )";
  ExpectSplitsGive(net, net);
}

TEST(InsertSplits, BlobFeedingTwoLayers) {
  ExpectSplitsGive(R"(
    name: 'fork'
    layer { name: 'data' type: 'Input' top: 'data' }
    layer { name: 'a' type: 'InnerProduct' bottom: 'data' top: 'a' }
    layer { name: 'b' type: 'InnerProduct' bottom: 'data' top: 'b' }
    layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'sum' }
  )",
                   R"(
    name: 'fork'
    layer { name: 'data' type: 'Input' top: 'data' }
    layer { name: 'data_data_0_split' type: 'Split' bottom: 'data'
            top: 'data_data_0_split_0' top: 'data_data_0_split_1' }
    layer { name: 'a' type: 'InnerProduct' bottom: 'data_data_0_split_0' top: 'a' }
    layer { name: 'b' type: 'InnerProduct' bottom: 'data_data_0_split_1' top: 'b' }
    layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'b' top: 'sum' }
  )");
}

TEST(InsertSplits, SecondTopAndSameLayerReadingTwice) {
  ExpectSplitsGive(R"(
    layer { name: 'data' type: 'DummyData' top: 'x' top: 'y' }
    layer { name: 'sq' type: 'Eltwise' bottom: 'y' bottom: 'y' top: 'sq' }
    layer { name: 'sum' type: 'Eltwise' bottom: 'x' bottom: 'sq' top: 'sum' }
  )",
                   R"(
    layer { name: 'data' type: 'DummyData' top: 'x' top: 'y' }
    layer { name: 'y_data_1_split' type: 'Split' bottom: 'y' top: 'y_data_1_split_0' top: 'y_data_1_split_1' }
    layer { name: 'sq' type: 'Eltwise' bottom: 'y_data_1_split_0' bottom: 'y_data_1_split_1' top: 'sq' }
    layer { name: 'sum' type: 'Eltwise' bottom: 'x' bottom: 'sq' top: 'sum' }
  )");
}

TEST(InsertSplits, ThreeReaders) {
  ExpectSplitsGive(R"(
    layer { name: 'in' type: 'Input' top: 'x' }
    layer { name: 'a' type: 'ReLU' bottom: 'x' top: 'a' }
    layer { name: 'b' type: 'ReLU' bottom: 'x' top: 'b' }
    layer { name: 'c' type: 'ReLU' bottom: 'x' top: 'c' }
  )",
                   R"(
    layer { name: 'in' type: 'Input' top: 'x' }
    layer { name: 'x_in_0_split' type: 'Split' bottom: 'x'
            top: 'x_in_0_split_0' top: 'x_in_0_split_1' top: 'x_in_0_split_2' }
    layer { name: 'a' type: 'ReLU' bottom: 'x_in_0_split_0' top: 'a' }
    layer { name: 'b' type: 'ReLU' bottom: 'x_in_0_split_1' top: 'b' }
    layer { name: 'c' type: 'ReLU' bottom: 'x_in_0_split_2' top: 'c' }
  )");
}

// Caffe's own in-place case: the split goes after the in-place ReLU, named
// after it, and the in-place chain keeps the blob name.
TEST(InsertSplits, AfterInPlaceChain) {
  ExpectSplitsGive(R"(
    name: 'TestNetwork'
    layer { name: 'data' type: 'Data' top: 'data' top: 'label' }
    layer { name: 'innerprod1' type: 'InnerProduct' bottom: 'data' top: 'innerprod1' }
    layer { name: 'relu1' type: 'ReLU' bottom: 'innerprod1' top: 'innerprod1' }
    layer { name: 'innerprod2' type: 'InnerProduct' bottom: 'innerprod1' top: 'innerprod2' }
    layer { name: 'loss1' type: 'EuclideanLoss' bottom: 'innerprod1' bottom: 'label' }
    layer { name: 'loss2' type: 'EuclideanLoss' bottom: 'innerprod2' bottom: 'data' }
  )",
                   R"(
    name: 'TestNetwork'
    layer { name: 'data' type: 'Data' top: 'data' top: 'label' }
    layer { name: 'data_data_0_split' type: 'Split' bottom: 'data' top: 'data_data_0_split_0'
            top: 'data_data_0_split_1' }
    layer { name: 'innerprod1' type: 'InnerProduct' bottom: 'data_data_0_split_0' top: 'innerprod1' }
    layer { name: 'relu1' type: 'ReLU' bottom: 'innerprod1' top: 'innerprod1' }
    layer { name: 'innerprod1_relu1_0_split' type: 'Split' bottom: 'innerprod1'
            top: 'innerprod1_relu1_0_split_0' top: 'innerprod1_relu1_0_split_1' }
    layer { name: 'innerprod2' type: 'InnerProduct' bottom: 'innerprod1_relu1_0_split_0' top: 'innerprod2' }
    layer { name: 'loss1' type: 'EuclideanLoss' bottom: 'innerprod1_relu1_0_split_1' bottom: 'label' }
    layer { name: 'loss2' type: 'EuclideanLoss' bottom: 'innerprod2' bottom: 'data_data_0_split_1' }
  )");
}

// Split outputs alias the blob they split, so an in-place layer on one of
// them would corrupt what the other readers see.
TEST(InsertSplits, InPlaceOnASharedBlobIsAnError) {
  try {
    InsertSplits(Parse(R"(
      layer { name: 'in' type: 'Input' top: 'x' }
      layer { name: 'keep' type: 'InnerProduct' bottom: 'x' top: 'k' }
      layer { name: 'relu' type: 'ReLU' bottom: 'x' top: 'x' }
      layer { name: 'after' type: 'InnerProduct' bottom: 'x' top: 'y' }
    )"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "layer 'relu': cannot work in place on blob 'x' because other layers also read it; "
              "give its top a new name");
  }
}

// A weighted loss top that another layer also reads: the objective is one of
// the split's readers and the weight moves to the split's first top.
TEST(InsertSplits, LossWeightCountsAsAReader) {
  ExpectSplitsGive(R"(
    layer { name: 'data' type: 'DummyData' top: 'data' }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'data' top: 'ip1' loss_weight: 2.5 }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1' top: 'ip2' }
  )",
                   R"(
    layer { name: 'data' type: 'DummyData' top: 'data' }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'data' top: 'ip1' loss_weight: 0 }
    layer { name: 'ip1_ip1_0_split' type: 'Split' bottom: 'ip1'
            top: 'ip1_ip1_0_split_0' top: 'ip1_ip1_0_split_1'
            loss_weight: 2.5 loss_weight: 0 }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1_ip1_0_split_1' top: 'ip2' }
  )");
}

TEST(InsertSplits, ZeroLossWeightIsNoReader) {
  const std::string net = R"(
    layer { name: 'data' type: 'DummyData' top: 'data' }
    layer { name: 'ip1' type: 'InnerProduct' bottom: 'data' top: 'ip1' loss_weight: 0 }
    layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1' top: 'ip2' }
  )";
  ExpectSplitsGive(net, net);
}

TEST(InsertSplits, UnknownBottomNamesTheLayer) {
  try {
    InsertSplits(Parse(R"(
      layer { name: 'data' type: 'Input' top: 'fc6' }
      layer { name: 'fc7' type: 'InnerProduct' bottom: 'fc6x' top: 'fc7' }
    )"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "layer 'fc7': unknown bottom blob 'fc6x' (no earlier layer produces it; did you mean 'fc6'?)");
  }
}

TEST(InsertSplits, BottomProducedLaterIsUnknown) {
  EXPECT_THROW(InsertSplits(Parse(R"(
      layer { name: 'a' type: 'ReLU' bottom: 'x' top: 'y' }
      layer { name: 'in' type: 'Input' top: 'x' }
    )")),
               Error);
}

}  // namespace
}  // namespace cnn
