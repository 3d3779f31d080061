#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
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

// ---- GPU ----------------------------------------------------------------
// Constant tops are filled at SetUp (on the host) exactly as on the CPU.
// Gaussian and uniform refills are drawn by the GPU generator, so only their
// statistics can be compared with the CPU's; other fillers run their host
// code in GPU mode too.

double Mean(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double Stddev(const std::vector<float>& v) {
  const double m = Mean(v);
  double sum = 0;
  for (float x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(v.size()));
}

TEST(DummyDataGpu, MatchesCpuConstant) {
  SKIP_WITHOUT_GPU();
  const std::string text = R"(name: "d" type: "DummyData" top: "a" top: "b"
                              dummy_data_param { shape { dim: 3 dim: 5 dim: 7 } shape { dim: 11 }
                                                 data_filler { type: "constant" value: -2.5 }
                                                 data_filler { type: "constant" } })";
  Blob cpu_a, cpu_b;
  auto cpu = Make(text);
  cpu->SetUp({}, {&cpu_a, &cpu_b});
  cpu->Forward({}, {&cpu_a, &cpu_b});

  test::ScopedGpuMode gpu;
  Blob a, b;
  auto layer = Make(text);
  layer->SetUp({}, {&a, &b});
  layer->Forward({}, {&a, &b});
  EXPECT_EQ(a.shape(), cpu_a.shape());
  EXPECT_EQ(DataOf(a), DataOf(cpu_a));
  EXPECT_EQ(DataOf(b), DataOf(cpu_b));
  // Not refilled on the GPU either: a hand-written value survives.
  a.mutable_cpu_data()[4] = 9.f;
  layer->Forward({}, {&a, &b});
  EXPECT_EQ(DataOf(a)[4], 9.f);
  EXPECT_TRUE(AllEqual(b, 0.f));
  EXPECT_NO_THROW(layer->Backward({&a, &b}, {}, {}));
}

// 200,003 draws: the sample mean's standard error is std / 447, the sample
// standard deviation's about std / 632; both bounds are over 8 of those.
TEST(DummyDataGpu, GaussianRefillsWithTheRightStatistics) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a"
                       dummy_data_param { shape { dim: 200003 }
                                          data_filler { type: "gaussian" mean: 1.5 std: 2 } })");
  Blob a;
  Context::set_random_seed(3);
  layer->SetUp({}, {&a});
  layer->Forward({}, {&a});
  const std::vector<float> first = DataOf(a);
  EXPECT_NEAR(Mean(first), 1.5, 0.04);
  EXPECT_NEAR(Stddev(first), 2.0, 0.03);
  layer->Forward({}, {&a});
  EXPECT_NE(DataOf(a), first);
  // Reseeding repeats the draw.
  Context::set_random_seed(3);
  layer->Forward({}, {&a});
  EXPECT_EQ(DataOf(a), first);
}

// Uniform on [-1, 3): mean 1 (standard error 1.155 / 447), inside the range.
TEST(DummyDataGpu, UniformRefillsInRange) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make(R"(name: "d" type: "DummyData" top: "data" top: "label"
                       dummy_data_param { shape { dim: 200003 } shape { dim: 3 }
                                          data_filler { type: "uniform" min: -1 max: 3 }
                                          data_filler { type: "constant" value: 4 } })");
  Blob data, label;
  Context::set_random_seed(4);
  layer->SetUp({}, {&data, &label});
  layer->Forward({}, {&data, &label});
  const std::vector<float> v = DataOf(data);
  EXPECT_NEAR(Mean(v), 1.0, 0.025);
  for (float x : v) {
    ASSERT_GE(x, -1.f);
    ASSERT_LE(x, 3.f);
  }
  EXPECT_TRUE(AllEqual(label, 4.f));
  layer->Forward({}, {&data, &label});
  EXPECT_NE(DataOf(data), v);
}

// Fillers with no device version (xavier here) run their host code and are
// still refilled every forward.
TEST(DummyDataGpu, HostFillerRefillsInGpuMode) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make(R"(name: "d" type: "DummyData" top: "w"
                       dummy_data_param { shape { dim: 4 dim: 25 } data_filler { type: "xavier" } })");
  Blob w;
  Context::set_random_seed(5);
  layer->SetUp({}, {&w});
  layer->Forward({}, {&w});
  const std::vector<float> first = DataOf(w);
  const float scale = std::sqrt(3.f / 25.f);
  for (float x : first) {
    EXPECT_GE(x, -scale);
    EXPECT_LE(x, scale);
  }
  EXPECT_FALSE(AllEqual(w, 0.f));
  layer->Forward({}, {&w});
  EXPECT_NE(DataOf(w), first);
}

// A misconfigured refilling filler reports the filler's own error in GPU
// mode, as it does on the CPU.
TEST(DummyDataGpu, BadRandomFillerThrowsInGpuMode) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob a;
  auto layer = Make(R"(name: "d" type: "DummyData" top: "a"
                       dummy_data_param { shape { dim: 3 } data_filler { type: "uniform" min: 2 max: 1 } })");
  layer->SetUp({}, {&a});
  EXPECT_THROW(layer->Forward({}, {&a}), Error);
}

}  // namespace
}  // namespace cnn
