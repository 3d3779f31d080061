#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::ParseLayer;

std::unique_ptr<Layer> Make(const std::string& text) { return LayerRegistry::Create(ParseLayer(text)); }

bool AllEqual(const Blob& b, float value) {
  for (float v : DataOf(b))
    if (v != value) return false;
  return true;
}

TEST(DummyDataLayer, DefaultsToZeros) {
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a"
                       dummy_data_param { shape { dim: 2 dim: 3 dim: 4 } })");
  Blob a({5});
  a.mutable_cpu_data()[0] = 1.f;
  layer->SetUp({}, {&a});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3, 4}));
  EXPECT_TRUE(AllEqual(a, 0.f));
  layer->Forward({}, {&a});
  EXPECT_TRUE(AllEqual(a, 0.f));
}

TEST(DummyDataLayer, ConstantIsFilledOnlyOnce) {
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a" top: "b"
                       dummy_data_param { shape { dim: 3 } data_filler { type: "constant" value: 7 } })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  EXPECT_TRUE(AllEqual(a, 7.f));
  EXPECT_TRUE(AllEqual(b, 7.f));
  // Caffe never refills constant tops, so a value written by hand survives Forward.
  a.mutable_cpu_data()[1] = -1.f;
  layer->Forward({}, {&a, &b});
  EXPECT_EQ(DataOf(a), (std::vector<float>{7.f, -1.f, 7.f}));
}

TEST(DummyDataLayer, RandomFillerRefillsEveryForward) {
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a"
                       dummy_data_param { shape { dim: 4 dim: 5 }
                                          data_filler { type: "gaussian" std: 2 } })");
  Blob a;
  Context::set_random_seed(3);
  layer->SetUp({}, {&a});
  layer->Forward({}, {&a});
  const std::vector<float> first = DataOf(a);
  EXPECT_FALSE(AllEqual(a, 0.f));
  layer->Forward({}, {&a});
  EXPECT_NE(DataOf(a), first);
}

TEST(DummyDataLayer, OneFillerAndShapePerTop) {
  auto layer = Make(R"(name: "d" type: "DummyData" top: "data" top: "label"
                       dummy_data_param {
                         shape { dim: 2 dim: 3 } shape { dim: 2 }
                         data_filler { type: "uniform" min: 1 max: 2 }
                         data_filler { type: "constant" value: 4 } })");
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(label.shape(), (std::vector<int>{2}));
  for (float v : DataOf(data)) {
    EXPECT_GE(v, 1.f);
    EXPECT_LE(v, 2.f);
  }
  EXPECT_TRUE(AllEqual(label, 4.f));
}

TEST(DummyDataLayer, LegacyDimensions) {
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a" top: "b"
                       dummy_data_param { num: 5 channels: 3 channels: 1 height: 2 width: 4 width: 1 })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{5, 3, 2, 4}));
  EXPECT_EQ(b.shape(), (std::vector<int>{5, 1, 2, 1}));
}

TEST(DummyDataLayer, BadParametersThrow) {
  Blob a, b;
  // Both shape forms at once.
  EXPECT_THROW(Make(R"(name: "d" type: "DummyData" top: "a"
                       dummy_data_param { shape { dim: 1 } num: 1 channels: 1 height: 1 width: 1 })")
                   ->SetUp({}, {&a}),
               Error);
  // Two shapes for three tops.
  Blob c;
  EXPECT_THROW(Make(R"(name: "d" type: "DummyData" top: "a" top: "b" top: "c"
                       dummy_data_param { shape { dim: 1 } shape { dim: 2 } })")
                   ->SetUp({}, {&a, &b, &c}),
               Error);
  // No shape at all.
  EXPECT_THROW(Make(R"(name: "d" type: "DummyData" top: "a" dummy_data_param { })")->SetUp({}, {&a}), Error);
  // Legacy field missing.
  EXPECT_THROW(
      Make(R"(name: "d" type: "DummyData" top: "a" dummy_data_param { num: 1 channels: 1 height: 1 })")
          ->SetUp({}, {&a}),
      Error);
  // Unknown filler names the filler problem.
  try {
    Make(R"(name: "d" type: "DummyData" top: "a"
            dummy_data_param { shape { dim: 1 } data_filler { type: "nope" } })")
        ->SetUp({}, {&a});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'd'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnn
