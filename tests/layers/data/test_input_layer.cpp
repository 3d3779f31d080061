#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillValues;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& text) { return LayerRegistry::Create(ParseLayer(text)); }

TEST(InputLayer, OneShapeForAllTops) {
  auto layer = Make(R"(name: "data" type: "Input" top: "a" top: "b"
                       input_param { shape { dim: 2 dim: 3 dim: 4 dim: 5 } })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(b.shape(), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_STREQ(layer->type(), "Input");
}

TEST(InputLayer, OneShapePerTop) {
  auto layer = Make(R"(name: "data" type: "Input" top: "data" top: "label"
                       input_param { shape { dim: 4 dim: 1 dim: 8 dim: 8 } shape { dim: 4 } })");
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{4, 1, 8, 8}));
  EXPECT_EQ(label.shape(), (std::vector<int>{4}));
}

TEST(InputLayer, NoShapeLeavesTopsAlone) {
  auto layer = Make(R"(name: "data" type: "Input" top: "data")");
  Blob data({3, 7});
  layer->SetUp({}, {&data});
  EXPECT_EQ(data.shape(), (std::vector<int>{3, 7}));
}

TEST(InputLayer, WrongNumberOfShapesThrows) {
  auto layer = Make(R"(name: "in" type: "Input" top: "a" top: "b" top: "c"
                       input_param { shape { dim: 1 } shape { dim: 2 } })");
  Blob a, b, c;
  try {
    layer->SetUp({}, {&a, &b, &c});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'in'"), std::string::npos) << e.what();
  }
}

TEST(InputLayer, RejectsBottoms) {
  auto layer = Make(R"(name: "in" type: "Input" top: "a" input_param { shape { dim: 1 } })");
  Blob bottom({1}), a;
  EXPECT_THROW(layer->SetUp({&bottom}, {&a}), Error);
  EXPECT_THROW(layer->SetUp({}, {}), Error);
}

TEST(InputLayer, ForwardKeepsUserDataAndShape) {
  auto layer = Make(R"(name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 2 } })");
  Blob data;
  layer->SetUp({}, {&data});
  // Users reshape inputs after setup (a different batch size, say).
  data.Reshape({3, 2});
  FillValues(&data, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(layer->Forward({}, {&data}), 0.f);
  EXPECT_EQ(data.shape(), (std::vector<int>{3, 2}));
  EXPECT_EQ(DataOf(data), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_NO_THROW(layer->Backward({&data}, {}, {}));
}

// ---- GPU ----------------------------------------------------------------

// GPU mode has its own (empty) forward and backward: whatever the user
// wrote on the host comes through untouched, in the shape they gave, and
// the values reach the device (tolerance: exact, nothing is computed).
TEST(InputGpu, MatchesCpuForwardKeepsUserDataAndShape) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make(R"(name: "data" type: "Input" top: "data" top: "label"
                       input_param { shape { dim: 2 dim: 2 } shape { dim: 3 } })");
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  data.Reshape({3, 2});
  FillValues(&data, {1, 2, 3, 4, 5, 6});
  FillValues(&label, {7, 8, 9});
  EXPECT_EQ(layer->Forward({}, {&data, &label}), 0.f);
  EXPECT_NE(data.gpu_data(), nullptr);
  EXPECT_EQ(data.shape(), (std::vector<int>{3, 2}));
  EXPECT_EQ(DataOf(data), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(DataOf(label), (std::vector<float>{7, 8, 9}));
  EXPECT_NO_THROW(layer->Backward({&data, &label}, {}, {}));
  EXPECT_EQ(DataOf(data), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace cnn
