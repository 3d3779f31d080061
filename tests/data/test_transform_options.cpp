// The transform options of our own (shift_pixels, std_value, vertical_flip):
// known answers worked out by hand, and the random ones replayed from an
// independent generator with the documented draw order.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/data_transformer.hpp"
#include "cnn/layers/data/memory_data_layer.hpp"
#include "support/data_layer_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

// c x h x w bytes 0, 1, 2, ...
Datum Ramp(int c, int h, int w) {
  Datum d;
  d.set_channels(c);
  d.set_height(h);
  d.set_width(w);
  std::string bytes(c * h * w, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i);
  d.set_data(bytes);
  d.set_label(3);
  return d;
}

TransformationParameter Param(const std::string& text) {
  return test::ParseLayer("transform_param { " + text + " }").transform_param();
}

std::vector<float> Apply(DataTransformer& t, const Datum& d) {
  const std::vector<int> shape = t.InferBlobShape(d);
  std::vector<float> out(shape[1] * shape[2] * shape[3], -999.f);
  t.Transform(d, out.data());
  return out;
}

// A seed whose first two draws give the wanted (row, column) shift for
// shift_pixels s, found by replaying the documented draws (r() % (2s + 1) - s).
uint32_t SeedForShift(int s, int dy, int dx) {
  for (uint32_t seed = 1;; ++seed) {
    std::mt19937 r(seed);
    const int y = static_cast<int>(r() % (2 * s + 1)) - s;
    const int x = static_cast<int>(r() % (2 * s + 1)) - s;
    if (y == dy && x == dx) return seed;
  }
}

// The 1 x 4 x 4 ramp 0..15 shifted by (dy, dx), zeros shifted in.
std::vector<float> Shifted(int dy, int dx) {
  std::vector<float> out;
  for (int h = 0; h < 4; ++h)
    for (int w = 0; w < 4; ++w) {
      const int y = h - dy, x = w - dx;
      out.push_back(y < 0 || y >= 4 || x < 0 || x >= 4 ? 0.f : static_cast<float>(y * 4 + x));
    }
  return out;
}

TEST(TransformOptions, ShiftByAKnownOffset) {
  DataTransformer t(Param("shift_pixels: 2"), TRAIN);
  EXPECT_TRUE(t.NeedsRandom());
  // Down 1, left 2: by hand, row 0 is zeros, row r shows row r - 1 moved
  // two to the left.
  t.rng().seed(SeedForShift(2, 1, -2));
  EXPECT_EQ(Apply(t, Ramp(1, 4, 4)), (std::vector<float>{0, 0, 0, 0,  //
                                                         2, 3, 0, 0,  //
                                                         6, 7, 0, 0,  //
                                                         10, 11, 0, 0}));
  // Up 2, right 1.
  t.rng().seed(SeedForShift(2, -2, 1));
  EXPECT_EQ(Apply(t, Ramp(1, 4, 4)), (std::vector<float>{0, 8, 9, 10,   //
                                                         0, 12, 13, 14,  //
                                                         0, 0, 0, 0,     //
                                                         0, 0, 0, 0}));
}

TEST(TransformOptions, ShiftsCoverEveryOffsetAndKeepTheSize) {
  DataTransformer t(Param("shift_pixels: 1"), TRAIN);
  t.rng().seed(9);
  std::set<std::pair<int, int>> seen;
  for (int draw = 0; draw < 100; ++draw) {
    const std::vector<float> out = Apply(t, Ramp(1, 4, 4));
    bool matched = false;
    for (int dy = -1; dy <= 1 && !matched; ++dy)
      for (int dx = -1; dx <= 1 && !matched; ++dx)
        if (out == Shifted(dy, dx)) {
          seen.insert({dy, dx});
          matched = true;
        }
    ASSERT_TRUE(matched) << "draw " << draw << " is no shift of the input";
  }
  EXPECT_EQ(seen.size(), 9u);
}

TEST(TransformOptions, NoShiftInTest) {
  DataTransformer t(Param("shift_pixels: 3"), TEST);
  EXPECT_FALSE(t.NeedsRandom());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Apply(t, Ramp(1, 4, 4)), Shifted(0, 0));
}

TEST(TransformOptions, ShiftedInPixelsAreZeroAfterTheMean) {
  // Pixels moved in are 0 in the output, not (0 - mean) * scale.
  DataTransformer t(Param("shift_pixels: 1 mean_value: 5 scale: 2"), TRAIN);
  t.rng().seed(SeedForShift(1, 0, 1));
  std::vector<float> expected;
  for (int h = 0; h < 2; ++h) {
    expected.push_back(0.f);
    expected.push_back((h * 2 + 0 - 5.f) * 2);
  }
  EXPECT_EQ(Apply(t, Ramp(1, 2, 2)), expected);
}

TEST(TransformOptions, StdValueDividesAfterTheMean) {
  // 2 x 1 x 2: channel 0 = {0, 1}, channel 1 = {2, 3}; by hand:
  // (0 - 1) / 2, (1 - 1) / 2, (2 - 2) / 4, (3 - 2) / 4.
  DataTransformer t(Param("mean_value: 1 mean_value: 2 std_value: 2 std_value: 4"), TEST);
  EXPECT_EQ(Apply(t, Ramp(2, 1, 2)), (std::vector<float>{-0.5f, 0.f, 0.f, 0.25f}));
  // One std for all channels, no mean: 0/8, 1/8, 2/8, 3/8.
  DataTransformer one(Param("std_value: 8"), TEST);
  EXPECT_EQ(Apply(one, Ramp(2, 1, 2)), (std::vector<float>{0.f, 0.125f, 0.25f, 0.375f}));
  // An explicit scale of 1 is no scale.
  DataTransformer unit(Param("std_value: 8 scale: 1"), TEST);
  EXPECT_EQ(Apply(unit, Ramp(2, 1, 2)), Apply(one, Ramp(2, 1, 2)));
}

TEST(TransformOptions, VerticalFlipReversesTheRows) {
  DataTransformer t(Param("vertical_flip: true"), TEST);  // like mirror, in either phase
  EXPECT_TRUE(t.NeedsRandom());
  const std::vector<float> flipped = {8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3};
  const std::vector<float> kept = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  t.rng().seed(21);
  std::mt19937 reference(21);
  int flips = 0;
  for (int draw = 0; draw < 30; ++draw) {
    const bool flip = reference() % 2;
    flips += flip;
    EXPECT_EQ(Apply(t, Ramp(1, 3, 4)), flip ? flipped : kept) << draw;
  }
  EXPECT_GT(flips, 0);
  EXPECT_LT(flips, 30);
}

TEST(TransformOptions, DrawOrderAfterCaffes) {
  // mirror coin, crop row, crop column (Caffe's), then vertical coin, row
  // shift, column shift (ours).
  DataTransformer t(Param("crop_size: 3 mirror: true vertical_flip: true shift_pixels: 1"), TRAIN);
  t.rng().seed(77);
  std::mt19937 r(77);
  const int height = 5, width = 6;
  for (int draw = 0; draw < 40; ++draw) {
    const bool mirror = r() % 2;
    const int h_off = static_cast<int>(r() % (height - 3 + 1));
    const int w_off = static_cast<int>(r() % (width - 3 + 1));
    const bool vflip = r() % 2;
    const int dy = static_cast<int>(r() % 3) - 1;
    const int dx = static_cast<int>(r() % 3) - 1;
    std::vector<float> expected;
    for (int h = 0; h < 3; ++h)
      for (int w = 0; w < 3; ++w) {
        int y = h - dy, x = w - dx;
        if (y < 0 || y >= 3 || x < 0 || x >= 3) {
          expected.push_back(0.f);
          continue;
        }
        if (vflip) y = 2 - y;
        if (mirror) x = 2 - x;
        expected.push_back(static_cast<float>((h_off + y) * width + w_off + x));
      }
    ASSERT_EQ(Apply(t, Ramp(1, height, width)), expected) << draw;
  }
}

TEST(TransformOptions, CaffesOptionsAloneDrawWhatTheyDrewBefore) {
  // Our options off: the generator advances exactly as for Caffe's crop and mirror.
  DataTransformer t(Param("crop_size: 2 mirror: true"), TRAIN);
  t.rng().seed(5);
  std::mt19937 r(5);
  for (int i = 0; i < 10; ++i) {
    Apply(t, Ramp(1, 4, 4));
    r();
    r();
    r();
  }
  EXPECT_EQ(t.rng(), r);
}

TEST(TransformOptions, BadValues) {
  EXPECT_EQ(ErrorOf([] { DataTransformer t(Param("shift_pixels: -1"), TRAIN); }),
            "transform_param.shift_pixels must be >= 0 (got -1)");
  EXPECT_EQ(ErrorOf([] { DataTransformer t(Param("std_value: 1 std_value: 0"), TRAIN); }),
            "transform_param.std_value must be > 0 (std_value 1 is 0)");
  EXPECT_EQ(ErrorOf([] { DataTransformer t(Param("std_value: -2"), TRAIN); }),
            "transform_param.std_value must be > 0 (std_value 0 is -2)");
  EXPECT_NE(ErrorOf([] { DataTransformer t(Param("std_value: 2 scale: 0.5"), TRAIN); })
                .find("transform_param: std_value with scale 0.5 is ambiguous"),
            std::string::npos);
  DataTransformer three(Param("std_value: 1 std_value: 2 std_value: 3"), TEST);
  EXPECT_EQ(ErrorOf([&] { Apply(three, Ramp(2, 2, 2)); }),
            "has 2 channel(s) but 3 std_value are given; give 1 or one per channel");
}

TEST(TransformOptions, BadValuesNameTheLayer) {
  const std::string head = "name: 'mem' type: 'MemoryData' top: 'data' top: 'label' "
                           "memory_data_param { batch_size: 1 channels: 2 height: 2 width: 2 } ";
  test::DataTops tops;
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(head + "transform_param { shift_pixels: -3 }")->SetUp({}, tops.vec()); }),
            "layer 'mem' (MemoryData): transform_param.shift_pixels must be >= 0 (got -3)");
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(head + "transform_param { std_value: 0 }")->SetUp({}, tops.vec()); }),
            "layer 'mem' (MemoryData): transform_param.std_value must be > 0 (std_value 0 is 0)");
  auto layer = test::MakeLayer(head + "transform_param { std_value: 1 std_value: 2 std_value: 3 }");
  layer->SetUp({}, tops.vec());
  auto* memory = dynamic_cast<MemoryDataLayer*>(layer.get());
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(ErrorOf([&] { memory->AddDatumVector({Ramp(2, 2, 2)}); }),
            "layer 'mem' (MemoryData): record 0 of AddDatumVector has 2 channel(s) but 3 std_value are given; "
            "give 1 or one per channel");
}

}  // namespace
}  // namespace cnn
