#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"
#include "support/gpu_check.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::DiffOf;
using test::FillValues;
using test::MakeNeuron;


// N = 2, C = 2, two positions per channel; x = 0 takes the slope side (Caffe's x <= 0).
const std::vector<float> kX = {-2, 1, -1, 3, 0, -4, 2, -0.5f};
const std::vector<float> kDy = {1, 2, 3, 4, 5, 6, 7, 8};

struct PReLURun {
  Blob x{std::vector<int>{2, 2, 2}}, y;
  std::unique_ptr<Layer> layer;
  bool in_place;
  explicit PReLURun(const std::string& params, bool in_place = false)
      : layer(MakeNeuron("PReLU", params)), in_place(in_place) {
    FillValues(&x, kX);
    layer->SetUp({&x}, {top()});
  }
  Blob* top() { return in_place ? &x : &y; }
  void ForwardBackward() {
    layer->Forward({&x}, {top()});
    std::copy(kDy.begin(), kDy.end(), top()->mutable_cpu_diff());
    layer->Backward({top()}, {true}, {&x});
  }
};

TEST(PReLULayer, DefaultSlopesAreAQuarterPerChannel) {
  PReLURun r("");
  ASSERT_EQ(r.layer->blobs().size(), 1u);
  EXPECT_EQ(r.layer->blobs()[0]->shape(), (std::vector<int>{2}));
  EXPECT_EQ(DataOf(*r.layer->blobs()[0]), (std::vector<float>{0.25f, 0.25f}));
  PReLURun shared("prelu_param { channel_shared: true }");
  EXPECT_EQ(shared.layer->blobs()[0]->num_axes(), 0);  // a scalar, as in Caffe
  EXPECT_EQ(DataOf(*shared.layer->blobs()[0]), (std::vector<float>{0.25f}));
  PReLURun filled("prelu_param { filler { type: 'constant' value: 0.7 } }");
  EXPECT_EQ(DataOf(*filled.layer->blobs()[0]), (std::vector<float>{0.7f, 0.7f}));
}

void ExpectPerChannel(bool in_place) {
  PReLURun r("", in_place);
  FillValues(r.layer->blobs()[0].get(), {0.1f, 0.5f});
  std::vector<float> preset = {1, 1};
  std::copy(preset.begin(), preset.end(), r.layer->blobs()[0]->mutable_cpu_diff());
  r.ForwardBackward();
  EXPECT_EQ(DataOf(*r.top()), (std::vector<float>{-0.2f, 1, -0.5f, 3, 0, -0.4f, 2, -0.25f}));
  EXPECT_EQ(DiffOf(r.x), (std::vector<float>{0.1f, 2, 1.5f, 4, 0.5f, 0.6f, 7, 4}));
  // Accumulated onto the preset 1: channel 0 1*-2 + 5*0 + 6*-4, channel 1 3*-1 + 8*-0.5.
  EXPECT_EQ(DiffOf(*r.layer->blobs()[0]), (std::vector<float>{-25, -6}));
}

TEST(PReLULayer, KnownAnswerPerChannel) { ExpectPerChannel(false); }
// In place the slope gradient needs the kept input: y has lost it.
TEST(PReLULayer, KnownAnswerPerChannelInPlace) { ExpectPerChannel(true); }

TEST(PReLULayer, KnownAnswerShared) {
  PReLURun r("prelu_param { channel_shared: true }");
  r.ForwardBackward();
  EXPECT_EQ(DataOf(r.y), (std::vector<float>{-0.5f, 1, -0.25f, 3, 0, -1, 2, -0.125f}));
  EXPECT_EQ(DiffOf(r.x), (std::vector<float>{0.25f, 2, 0.75f, 4, 1.25f, 1.5f, 7, 2}));
  EXPECT_EQ(DiffOf(*r.layer->blobs()[0]), (std::vector<float>{-33}));
}

TEST(PReLULayer, NoSlopeGradientWhenFrozen) {
  PReLURun r("");
  r.layer->set_param_propagate_down(0, false);
  r.ForwardBackward();
  EXPECT_EQ(DiffOf(*r.layer->blobs()[0]), (std::vector<float>{0, 0}));
  EXPECT_EQ(DiffOf(r.x), (std::vector<float>{0.25f, 2, 0.75f, 4, 1.25f, 1.5f, 7, 2}));
}

TEST(PReLULayer, BadShapes) {
  Blob flat({4}), y;
  EXPECT_NE(test::ErrorOf([&] { MakeNeuron("PReLU", "")->SetUp({&flat}, {&y}); })
                .find("needs an input with a channel axis (at least 2 axes), got shape 4"),
            std::string::npos);
  PReLURun r("");
  r.x.Reshape({2, 3, 2});
  EXPECT_NE(test::ErrorOf([&] { r.layer->Reshape({&r.x}, {&r.y}); }).find("has 3 channels, the slopes were made for 2"),
            std::string::npos);
  PReLURun shared("prelu_param { channel_shared: true }");
  shared.x.Reshape({2, 3, 2});
  shared.layer->Reshape({&shared.x}, {&shared.y});  // one slope fits any channel count
  EXPECT_EQ(shared.y.shape(), (std::vector<int>{2, 3, 2}));
}

// The GPU's slope reduction runs in a fixed order: the same bits every time,
// over more elements than one block's threads.
TEST(PReLULayerGpu, SlopeGradientIsDeterministic) {
  SKIP_WITHOUT_GPU();
  for (const std::string params : {"", "prelu_param { channel_shared: true }"}) {
    SCOPED_TRACE(params);
    test::ScopedGpuMode gpu;
    Blob x(4, 3, 33, 17), y;
    test::FillGaussian(&x);
    auto layer = MakeNeuron("PReLU", params);
    layer->SetUp({&x}, {&y});
    layer->Forward({&x}, {&y});
    test::FillGaussian(&y);
    std::copy(y.cpu_data(), y.cpu_data() + y.count(), y.mutable_cpu_diff());
    std::vector<std::vector<float>> runs;
    for (int run = 0; run < 3; ++run) {
      layer->blobs()[0]->scale_diff(0.f);
      layer->Backward({&y}, {true}, {&x});
      runs.push_back(DiffOf(*layer->blobs()[0]));
    }
    EXPECT_EQ(runs[0], runs[1]);
    EXPECT_EQ(runs[0], runs[2]);
  }
}

}  // namespace
}  // namespace cnn
