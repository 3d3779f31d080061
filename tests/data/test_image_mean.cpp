// ComputeImageMean against hand-computed means: raw bytes, float_data and
// encoded records; records of another size, non-Datum values, empty databases.
#include "cnn/data/image_mean.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/data/db.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

namespace cnn {
namespace test {
namespace {

Datum Raw(int c, int h, int w, const std::vector<int>& values) {
  Datum d;
  d.set_channels(c);
  d.set_height(h);
  d.set_width(w);
  std::string bytes;
  for (int v : values) bytes.push_back(static_cast<char>(v));
  d.set_data(bytes);
  return d;
}

class ImageMeanTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::vector<Datum>& datums) {
    DatumWriter writer("lmdb", path_);
    char key[16];
    for (size_t i = 0; i < datums.size(); ++i) {
      std::snprintf(key, sizeof key, "%08zu", i);
      writer.Put(key, datums[i]);
    }
    writer.Finish();
  }
  ImageMean Mean() {
    auto db = OpenDB("lmdb", path_, DB::READ);
    return ComputeImageMean(db.get());
  }
  std::string MeanError() {
    try {
      Mean();
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no Error";
    return "";
  }
  std::string dir_ = MakeTempDir();
  std::string path_ = dir_ + "/db";
};

TEST_F(ImageMeanTest, RawBytesTwoChannels) {
  // 2 channels of 1x2: channel 0 holds (a, b), channel 1 holds (c, d).
  Write({Raw(2, 1, 2, {0, 10, 100, 255}), Raw(2, 1, 2, {3, 20, 200, 255}), Raw(2, 1, 2, {6, 31, 0, 254})});
  const ImageMean mean = Mean();
  EXPECT_EQ(mean.count, 3);
  const BlobProto& blob = mean.blob;
  EXPECT_EQ(blob.num(), 1);
  EXPECT_EQ(blob.channels(), 2);
  EXPECT_EQ(blob.height(), 1);
  EXPECT_EQ(blob.width(), 2);
  ASSERT_EQ(blob.data_size(), 4);
  EXPECT_FLOAT_EQ(blob.data(0), 3.f);          // (0 + 3 + 6) / 3
  EXPECT_FLOAT_EQ(blob.data(1), 61.f / 3.f);   // (10 + 20 + 31) / 3
  EXPECT_FLOAT_EQ(blob.data(2), 100.f);        // (100 + 200 + 0) / 3
  EXPECT_FLOAT_EQ(blob.data(3), 764.f / 3.f);  // (255 + 255 + 254) / 3
  ASSERT_EQ(mean.channel_means.size(), 2u);
  EXPECT_DOUBLE_EQ(mean.channel_means[0], (3.0 + 61.0 / 3.0) / 2.0);
  EXPECT_DOUBLE_EQ(mean.channel_means[1], (100.0 + 764.0 / 3.0) / 2.0);
}

TEST_F(ImageMeanTest, FloatData) {
  Datum a, b;
  for (Datum* d : {&a, &b}) {
    d->set_channels(1);
    d->set_height(1);
    d->set_width(2);
  }
  a.add_float_data(-1.5f);
  a.add_float_data(2.f);
  b.add_float_data(0.5f);
  b.add_float_data(4.f);
  Write({a, b});
  const ImageMean mean = Mean();
  ASSERT_EQ(mean.blob.data_size(), 2);
  EXPECT_FLOAT_EQ(mean.blob.data(0), -0.5f);
  EXPECT_FLOAT_EQ(mean.blob.data(1), 3.f);
  EXPECT_DOUBLE_EQ(mean.channel_means[0], 1.25);
}

TEST_F(ImageMeanTest, RecordOfAnotherSizeIsNamed) {
  Write({Raw(1, 2, 2, {1, 2, 3, 4}), Raw(1, 2, 2, {1, 2, 3, 4}), Raw(1, 2, 3, {1, 2, 3, 4, 5, 6})});
  const std::string e = MeanError();
  EXPECT_NE(e.find("record '00000002' of '" + path_ + "' is 1x2x3 but the first record '00000000' is 1x2x2"),
            std::string::npos)
      << e;
}

TEST_F(ImageMeanTest, UnusableRecordsAreNamed) {
  Datum short_data = Raw(1, 2, 2, {1, 2, 3});
  Write({Raw(1, 2, 2, {1, 2, 3, 4}), short_data});
  std::string e = MeanError();
  EXPECT_NE(e.find("record '00000001' of '" + path_ + "' has 1x2x2 but holds 3 bytes"), std::string::npos)
      << e;

  std::filesystem::remove_all(path_);
  {
    DatumWriter writer("lmdb", path_);
    writer.Put("00000000", Raw(1, 1, 1, {1}));
    writer.Finish();
    auto db = OpenDB("lmdb", path_, DB::WRITE);
    auto txn = db->NewTransaction();
    txn->Put("00000001", std::string("\xff\xff\xff not a datum", 15));
    txn->Commit();
  }
  e = MeanError();
  EXPECT_NE(e.find("record '00000001' of '" + path_ + "' is not a Datum"), std::string::npos) << e;
}

TEST_F(ImageMeanTest, EmptyDatabase) {
  Write({});
  EXPECT_NE(MeanError().find("'" + path_ + "' holds no records to average"), std::string::npos);
}

TEST_F(ImageMeanTest, ProgressEveryTenThousandRecords) {
  {
    DatumWriter writer("lmdb", path_, 5000);
    const Datum d = Raw(1, 1, 1, {2});
    char key[16];
    for (int i = 0; i < 25000; ++i) {
      std::snprintf(key, sizeof key, "%08d", i);
      writer.Put(key, d);
    }
    writer.Finish();
  }
  auto db = OpenDB("lmdb", path_, DB::READ);
  std::vector<int64_t> calls;
  const ImageMean mean = ComputeImageMean(db.get(), [&](int64_t n) { calls.push_back(n); });
  EXPECT_EQ(mean.count, 25000);
  EXPECT_EQ(calls, (std::vector<int64_t>{10000, 20000}));
  EXPECT_FLOAT_EQ(mean.blob.data(0), 2.f);
}

#ifdef CNN_WITH_OPENCV
TEST_F(ImageMeanTest, EncodedRecordsAreDecoded) {
  // A 1x2 BGR image: pixel 0 (10, 20, 30), pixel 1 (40, 50, 60); PNG is lossless.
  cv::Mat image(1, 2, CV_8UC3);
  image.at<cv::Vec3b>(0, 0) = cv::Vec3b(10, 20, 30);
  image.at<cv::Vec3b>(0, 1) = cv::Vec3b(40, 50, 60);
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", image, png));
  Datum encoded;
  encoded.set_encoded(true);
  encoded.set_data(std::string(png.begin(), png.end()));
  Write({encoded, Raw(3, 1, 2, {30, 60, 40, 70, 50, 80})});
  const ImageMean mean = Mean();
  EXPECT_EQ(mean.blob.channels(), 3);
  EXPECT_EQ(mean.blob.width(), 2);
  const std::vector<float> expected = {20, 50, 30, 60, 40, 70};  // CHW: B0 B1 G0 G1 R0 R1
  ASSERT_EQ(mean.blob.data_size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(mean.blob.data(i), expected[i]) << i;
  EXPECT_DOUBLE_EQ(mean.channel_means[0], 35.0);
  EXPECT_DOUBLE_EQ(mean.channel_means[2], 55.0);
}
#endif

}  // namespace
}  // namespace test
}  // namespace cnn
