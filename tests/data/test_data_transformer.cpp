#include "cnn/data/data_transformer.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

namespace cnn {
namespace {

// c x h x w bytes 0, 1, 2, ... (row-major per channel, channel after channel).
Datum Ramp(int c, int h, int w) {
  Datum d;
  d.set_channels(c);
  d.set_height(h);
  d.set_width(w);
  std::string bytes(c * h * w, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i);
  d.set_data(bytes);
  d.set_label(1);
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

// The h x w window at (h_off, w_off) of a one-channel ramp of the given width.
std::vector<float> Window(int width, int h_off, int w_off, int h, int w, bool mirror) {
  std::vector<float> out;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) out.push_back((h_off + y) * width + w_off + (mirror ? w - 1 - x : x));
  return out;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DataTransformer, NoParametersCopiesPixels) {
  DataTransformer t(Param(""), TEST);
  EXPECT_EQ(Apply(t, Ramp(1, 3, 3)), Window(3, 0, 0, 3, 3, false));
  EXPECT_EQ(t.InferBlobShape(Ramp(2, 3, 5)), (std::vector<int>{1, 2, 3, 5}));
}

TEST(DataTransformer, ScaleAppliesAfterMeanValue) {
  DataTransformer t(Param("mean_value: 3 scale: 0.5"), TEST);
  const std::vector<float> out = Apply(t, Ramp(1, 2, 3));
  EXPECT_EQ(out, (std::vector<float>{-1.5f, -1.f, -0.5f, 0.f, 0.5f, 1.f}));
}

TEST(DataTransformer, OneMeanValuePerChannel) {
  DataTransformer t(Param("mean_value: 1 mean_value: 10"), TEST);
  EXPECT_EQ(Apply(t, Ramp(2, 1, 2)), (std::vector<float>{-1.f, 0.f, -8.f, -7.f}));
  // One value serves every channel.
  DataTransformer one(Param("mean_value: 2"), TEST);
  EXPECT_EQ(Apply(one, Ramp(2, 1, 2)), (std::vector<float>{-2.f, -1.f, 0.f, 1.f}));
}

TEST(DataTransformer, WrongNumberOfMeanValues) {
  DataTransformer t(Param("mean_value: 1 mean_value: 2 mean_value: 3"), TEST);
  EXPECT_EQ(ErrorOf([&] { Apply(t, Ramp(2, 2, 2)); }),
            "has 2 channel(s) but 3 mean_value are given; give 1 or one per channel");
}

class MeanFileTest : public ::testing::Test {
 protected:
  // A 1x1x4x4 mean image whose value at i is 0.25 * i.
  std::string WriteMean(int h = 4, int w = 4) {
    BlobProto proto;
    proto.set_num(1);
    proto.set_channels(1);
    proto.set_height(h);
    proto.set_width(w);
    for (int i = 0; i < h * w; ++i) proto.add_data(0.25f * i);
    const std::string path = test::MakeTempDir() + "/mean.binaryproto";
    WriteProtoToBinaryFile(proto, path);
    return path;
  }
};

TEST_F(MeanFileTest, SubtractsTheMeanImageThenScales) {
  DataTransformer t(Param("mean_file: '" + WriteMean() + "' scale: 2"), TEST);
  const std::vector<float> out = Apply(t, Ramp(1, 4, 4));
  ASSERT_EQ(out.size(), 16u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(out[i], (i - 0.25f * i) * 2.f) << i;
}

TEST_F(MeanFileTest, CropTakesTheMeanAtTheSourcePixels) {
  DataTransformer t(Param("mean_file: '" + WriteMean() + "' crop_size: 2"), TEST);
  // Centre crop of the 4x4 ramp: source pixels 5, 6, 9, 10.
  const std::vector<float> out = Apply(t, Ramp(1, 4, 4));
  EXPECT_EQ(out, (std::vector<float>{5 * 0.75f, 6 * 0.75f, 9 * 0.75f, 10 * 0.75f}));
}

TEST_F(MeanFileTest, ShapeMustMatchTheDatum) {
  const std::string path = WriteMean(3, 3);
  DataTransformer t(Param("mean_file: '" + path + "'"), TEST);
  EXPECT_EQ(ErrorOf([&] { Apply(t, Ramp(1, 4, 4)); }), "has 1x4x4 but mean_file '" + path + "' is 1x3x3");
}

TEST_F(MeanFileTest, NotTogetherWithMeanValue) {
  const std::string path = WriteMean();
  EXPECT_EQ(ErrorOf([&] { DataTransformer t(Param("mean_file: '" + path + "' mean_value: 1"), TEST); }),
            "transform_param: give mean_file or mean_value, not both");
}

TEST_F(MeanFileTest, MissingFileIsAnError) {
  const std::string path = test::MakeTempDir() + "/none.binaryproto";
  const std::string message = ErrorOf([&] { DataTransformer t(Param("mean_file: '" + path + "'"), TEST); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(DataTransformer, TestPhaseCropsTheCentre) {
  DataTransformer t(Param("crop_size: 2"), TEST);
  EXPECT_FALSE(t.NeedsRandom());
  EXPECT_EQ(t.InferBlobShape(Ramp(1, 4, 4)), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(Apply(t, Ramp(1, 4, 4)), (std::vector<float>{5, 6, 9, 10}));
  // (5 - 2) / 2 = 1 and (4 - 2) / 2 = 1: offsets round down.
  EXPECT_EQ(Apply(t, Ramp(1, 5, 4)), Window(4, 1, 1, 2, 2, false));
  DataTransformer three(Param("crop_size: 3"), TEST);
  EXPECT_EQ(Apply(three, Ramp(1, 4, 4)), Window(4, 0, 0, 3, 3, false));
}

TEST(DataTransformer, CropLargerThanTheDatum) {
  DataTransformer t(Param("crop_size: 5"), TEST);
  EXPECT_EQ(ErrorOf([&] { t.InferBlobShape(Ramp(1, 4, 6)); }), "has 1x4x6, smaller than crop_size 5");
  std::vector<float> out(25);
  EXPECT_EQ(ErrorOf([&] { t.Transform(Ramp(1, 6, 4), out.data()); }), "has 1x6x4, smaller than crop_size 5");
}

TEST(DataTransformer, TrainPhaseCropsAndMirrorsAtRandom) {
  DataTransformer t(Param("crop_size: 2 mirror: true"), TRAIN);
  EXPECT_TRUE(t.NeedsRandom());
  t.rng().seed(42);
  std::set<std::pair<std::pair<int, int>, bool>> seen;
  for (int draw = 0; draw < 200; ++draw) {
    const std::vector<float> out = Apply(t, Ramp(1, 4, 4));
    bool matched = false;
    for (int h = 0; h <= 2 && !matched; ++h)
      for (int w = 0; w <= 2 && !matched; ++w)
        for (bool m : {false, true})
          if (out == Window(4, h, w, 2, 2, m)) {
            seen.insert({{h, w}, m});
            matched = true;
            break;
          }
    ASSERT_TRUE(matched) << "draw " << draw << " is no window of the input";
  }
  // Every offset in [0, 2] x [0, 2], each mirrored and not.
  EXPECT_EQ(seen.size(), 18u);
}

TEST(DataTransformer, DrawOrderIsCaffes) {
  // The coin for the mirror first, then the row offset, then the column offset,
  // each as generator() % n.
  DataTransformer t(Param("crop_size: 2 mirror: true"), TRAIN);
  t.rng().seed(7);
  std::mt19937 reference(7);
  for (int draw = 0; draw < 20; ++draw) {
    const bool mirror = reference() % 2;
    const int h = reference() % 4;
    const int w = reference() % 3;
    EXPECT_EQ(Apply(t, Ramp(1, 5, 4)), Window(4, h, w, 2, 2, mirror)) << draw;
  }
}

TEST(DataTransformer, MirrorIsRandomInEitherPhase) {
  // As in Caffe, `mirror` flips at random in TEST as well; TEST only fixes the crop.
  for (Phase phase : {TRAIN, TEST}) {
    DataTransformer t(Param("mirror: true"), phase);
    t.rng().seed(3);
    int flipped = 0, kept = 0;
    for (int draw = 0; draw < 20; ++draw) {
      const std::vector<float> out = Apply(t, Ramp(1, 2, 3));
      if (out == Window(3, 0, 0, 2, 3, true)) {
        ++flipped;
      } else {
        ASSERT_EQ(out, Window(3, 0, 0, 2, 3, false));
        ++kept;
      }
    }
    EXPECT_GT(flipped, 0);
    EXPECT_GT(kept, 0);
  }
}

TEST(DataTransformer, InitRandDrawsFromTheContextOnlyWhenNeeded) {
  Context::set_random_seed(11);
  DataTransformer fixed(Param("crop_size: 2 scale: 3"), TEST);
  fixed.InitRand();
  std::mt19937 reference(11);
  EXPECT_EQ(Context::rng()(), reference());  // nothing was drawn

  Context::set_random_seed(11);
  DataTransformer random(Param("crop_size: 2"), TRAIN);
  random.InitRand();
  std::mt19937 expected_seed(11);
  std::mt19937 expected(expected_seed());
  EXPECT_EQ(random.rng(), expected);
  EXPECT_EQ(Context::rng()(), expected_seed());
}

TEST(DataTransformer, GeneratorStateReplaysTheSameTransforms) {
  DataTransformer t(Param("crop_size: 3 mirror: true"), TRAIN);
  t.rng().seed(5);
  const std::mt19937 saved = t.rng();
  std::vector<std::vector<float>> first, second;
  for (int i = 0; i < 10; ++i) first.push_back(Apply(t, Ramp(2, 6, 7)));
  t.rng() = saved;
  for (int i = 0; i < 10; ++i) second.push_back(Apply(t, Ramp(2, 6, 7)));
  EXPECT_EQ(first, second);
}

TEST(DataTransformer, FloatData) {
  Datum d;
  d.set_channels(1);
  d.set_height(2);
  d.set_width(2);
  for (float v : {0.5f, -1.f, 2.f, 300.f}) d.add_float_data(v);
  DataTransformer t(Param("mean_value: 0.5 scale: 2"), TEST);
  EXPECT_EQ(Apply(t, d), (std::vector<float>{0.f, -3.f, 3.f, 599.f}));
}

TEST(DataTransformer, TransformIntoABlob) {
  DataTransformer t(Param("crop_size: 2"), TEST);
  Blob blob(2, 1, 2, 2);
  t.Transform(Ramp(1, 4, 4), &blob);
  EXPECT_EQ(std::vector<float>(blob.cpu_data(), blob.cpu_data() + 4), (std::vector<float>{5, 6, 9, 10}));
  Blob wrong(1, 1, 3, 3);
  EXPECT_THROW(t.Transform(Ramp(1, 4, 4), &wrong), Error);
}

TEST(DataTransformer, BothForceColourAndGrey) {
  EXPECT_THROW(DataTransformer(Param("force_color: true force_gray: true"), TEST), Error);
}

#ifdef CNN_WITH_OPENCV
TEST(DataTransformer, EncodedDatumTransformsLikeTheRawOne) {
  cv::Mat image(5, 6, CV_8UC3);
  for (int i = 0; i < 5 * 6 * 3; ++i) image.data[i] = static_cast<uchar>(i * 7);
  Datum raw;
  CVMatToDatum(image, &raw);
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", image, png));
  Datum encoded;
  encoded.set_data(std::string(png.begin(), png.end()));
  encoded.set_encoded(true);

  DataTransformer a(Param("crop_size: 3 mirror: true mean_value: 1 mean_value: 2 mean_value: 3"), TRAIN);
  DataTransformer b(Param("crop_size: 3 mirror: true mean_value: 1 mean_value: 2 mean_value: 3"), TRAIN);
  a.rng().seed(9);
  b.rng().seed(9);
  EXPECT_EQ(b.InferBlobShape(encoded), (std::vector<int>{1, 3, 3, 3}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Apply(a, raw), Apply(b, encoded));

  DataTransformer grey(Param("force_gray: true"), TEST);
  EXPECT_EQ(grey.InferBlobShape(encoded), (std::vector<int>{1, 1, 5, 6}));
}
#endif

}  // namespace
}  // namespace cnn
