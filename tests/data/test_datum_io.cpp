#include "cnn/data/datum_io.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>
#endif

namespace cnn {
namespace {

Datum RawDatum(int c, int h, int w, int first_value = 0) {
  Datum d;
  d.set_channels(c);
  d.set_height(h);
  d.set_width(w);
  std::string bytes(c * h * w, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((first_value + i * 37) % 256);
  d.set_data(bytes);
  return d;
}

std::string ErrorOf(void (*f)(const Datum&), const Datum& d) {
  try {
    f(d);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DatumIO, ShapeString) { EXPECT_EQ(DatumShapeString(RawDatum(3, 4, 5)), "3x4x5"); }

TEST(DatumIO, CheckRawDatumAcceptsBytesOrFloats) {
  EXPECT_NO_THROW(CheckRawDatum(RawDatum(2, 3, 4)));
  Datum f;
  f.set_channels(1);
  f.set_height(2);
  f.set_width(2);
  for (int i = 0; i < 4; ++i) f.add_float_data(0.5f * i);
  EXPECT_NO_THROW(CheckRawDatum(f));
}

TEST(DatumIO, CheckRawDatumRejectsWrongSizes) {
  Datum d = RawDatum(1, 28, 28);
  d.mutable_data()->resize(10);
  EXPECT_EQ(ErrorOf(CheckRawDatum, d), "has 1x28x28 but holds 10 bytes of data (expected 784)");

  Datum f;
  f.set_channels(1);
  f.set_height(2);
  f.set_width(2);
  f.add_float_data(1.f);
  EXPECT_EQ(ErrorOf(CheckRawDatum, f), "has 1x2x2 but holds 1 float_data values (expected 4)");

  Datum empty;
  EXPECT_EQ(ErrorOf(CheckRawDatum, empty), "has 0x0x0; channels, height and width must be positive");
}

// Found by fuzz_datum: three sizes whose product overflows 64 bits were
// undefined behaviour in the size check instead of a refusal.
TEST(DatumIO, CheckRawDatumRefusesSizesWhoseProductOverflows) {
  Datum d;
  d.set_channels(2147483647);
  d.set_height(2147483647);
  d.set_width(2147483647);
  d.set_data("x");
  EXPECT_EQ(ErrorOf(CheckRawDatum, d), "has 2147483647x2147483647x2147483647, too many values for one example");
  d.set_channels(99000023);
  d.set_height(1);
  d.set_width(354903277);
  EXPECT_EQ(ErrorOf(CheckRawDatum, d), "has 99000023x1x354903277, too many values for one example");
}

TEST(DatumIO, BlobDataFromBytesAndFloats) {
  Datum d;
  d.set_channels(1);
  d.set_height(1);
  d.set_width(4);
  d.set_data(std::string("\x00\x01\x80\xff", 4));
  EXPECT_EQ(DatumToBlobData(d), (std::vector<float>{0.f, 1.f, 128.f, 255.f}));

  Datum f;
  f.set_channels(1);
  f.set_height(1);
  f.set_width(3);
  f.add_float_data(-1.5f);
  f.add_float_data(0.25f);
  f.add_float_data(300.f);
  EXPECT_EQ(DatumToBlobData(f), (std::vector<float>{-1.5f, 0.25f, 300.f}));
  EXPECT_EQ(DatumCount(f), 3);
}

TEST(DatumIO, RawDatumIsNotDecoded) {
  Datum d = RawDatum(1, 2, 2);
  const std::string before = d.SerializeAsString();
  EXPECT_FALSE(DecodeDatumNative(&d));
  EXPECT_FALSE(DecodeDatum(&d, true));
  EXPECT_EQ(d.SerializeAsString(), before);
}

TEST(DatumIO, ReadFileToDatumKeepsTheBytes) {
  const std::string path = test::MakeTempDir() + "/blob.bin";
  const std::string bytes("\x01\x02\x00\xfe", 4);
  std::ofstream(path, std::ios::binary) << bytes;
  Datum d;
  ASSERT_TRUE(ReadFileToDatum(path, 7, &d));
  EXPECT_EQ(d.data(), bytes);
  EXPECT_EQ(d.label(), 7);
  EXPECT_TRUE(d.encoded());
  EXPECT_FALSE(ReadFileToDatum(path + ".missing", 0, &d));
}

#ifdef CNN_WITH_OPENCV

// A 3x4 BGR image whose pixel (h, w, c) is 100*c + 10*h + w.
cv::Mat TestImage() {
  cv::Mat image(3, 4, CV_8UC3);
  for (int h = 0; h < 3; ++h)
    for (int w = 0; w < 4; ++w)
      for (int c = 0; c < 3; ++c) image.at<cv::Vec3b>(h, w)[c] = static_cast<uchar>(100 * c + 10 * h + w);
  return image;
}

std::string EncodePng(const cv::Mat& image) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(".png", image, buf));
  return std::string(buf.begin(), buf.end());
}

TEST(DatumIO, CVMatToDatumIsChannelMajorBGR) {
  Datum d;
  d.set_label(3);
  CVMatToDatum(TestImage(), &d);
  EXPECT_EQ(d.channels(), 3);
  EXPECT_EQ(d.height(), 3);
  EXPECT_EQ(d.width(), 4);
  EXPECT_FALSE(d.encoded());
  EXPECT_EQ(d.label(), 3);
  const std::vector<float> values = DatumToBlobData(d);
  for (int c = 0; c < 3; ++c)
    for (int h = 0; h < 3; ++h)
      for (int w = 0; w < 4; ++w) EXPECT_EQ(values[(c * 3 + h) * 4 + w], 100 * c + 10 * h + w);
}

TEST(DatumIO, EncodedPngDecodesToTheRawPixels) {
  Datum raw;
  CVMatToDatum(TestImage(), &raw);
  raw.set_label(5);

  Datum encoded;
  encoded.set_data(EncodePng(TestImage()));
  encoded.set_encoded(true);
  encoded.set_label(5);
  ASSERT_TRUE(DecodeDatumNative(&encoded));
  EXPECT_EQ(encoded.SerializeAsString(), raw.SerializeAsString());
}

TEST(DatumIO, DecodeForcesColourOrGrey) {
  cv::Mat grey(2, 3, CV_8UC1);
  for (int i = 0; i < 6; ++i) grey.data[i] = static_cast<uchar>(40 * i);
  Datum d;
  d.set_data(EncodePng(grey));
  d.set_encoded(true);

  Datum native = d;
  ASSERT_TRUE(DecodeDatumNative(&native));
  EXPECT_EQ(DatumShapeString(native), "1x2x3");

  Datum colour = d;
  ASSERT_TRUE(DecodeDatum(&colour, true));
  EXPECT_EQ(DatumShapeString(colour), "3x2x3");
  // A grey image in colour repeats the grey value in B, G and R.
  const std::vector<float> values = DatumToBlobData(colour);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 6; ++i) EXPECT_EQ(values[c * 6 + i], 40 * i);

  Datum from_colour;
  from_colour.set_data(EncodePng(TestImage()));
  from_colour.set_encoded(true);
  ASSERT_TRUE(DecodeDatum(&from_colour, false));
  EXPECT_EQ(DatumShapeString(from_colour), "1x3x4");
}

TEST(DatumIO, UndecodableBytesAreAnError) {
  Datum d;
  d.set_data("garbage");
  d.set_encoded(true);
  try {
    DecodeDatumNative(&d);
    FAIL() << "decoded garbage";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "is marked encoded but its 7 bytes do not decode as an image");
  }
}

// A grey PNG whose header announces width x height pixels: a signature, an
// IHDR chunk, an IDAT chunk far too short for those pixels, IEND.
std::string PngHeaderOnly(uint32_t width, uint32_t height) {
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  auto chunk = [&](const std::string& type_and_data) {
    const uint32_t crc =
        crc32(0, reinterpret_cast<const Bytef*>(type_and_data.data()), static_cast<uInt>(type_and_data.size()));
    return be32(static_cast<uint32_t>(type_and_data.size() - 4)) + type_and_data + be32(crc);
  };
  return std::string("\x89PNG\r\n\x1a\n", 8) +
         chunk("IHDR" + be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5)) +
         chunk("IDAT" + std::string("\x78\x9c\x63\x00\x00\x00\x01\x00\x01", 9)) + chunk("IEND");
}

// Regression (fuzz_datum): OpenCV throws cv::Exception for an image it will
// not allocate (here 2e9 pixels, past its limit of 2^30, within libpng's own
// limits per side; in the fuzzer's find, a 76-byte record announcing 554 MB
// when ASan capped allocations at 256 MiB), which went uncaught and aborted.
TEST(DatumIO, AnImageOpenCvRefusesIsAnError) {
  Datum d;
  d.set_data(PngHeaderOnly(1000000, 2000));
  d.set_encoded(true);
  const std::string message = test::ErrorOf([&] { DecodeDatumNative(&d); });
  EXPECT_EQ(message.rfind("is marked encoded but its 66 bytes do not decode as an image: OpenCV refuses it (", 0), 0u)
      << message;
  const std::string path = test::MakeTempDir() + "/wide.png";
  std::ofstream(path, std::ios::binary) << PngHeaderOnly(1000000, 2000);
  const std::string from_file = test::ErrorOf([&] { ReadImageToDatum(path, 0, 0, 0, true, "", &d); });
  EXPECT_EQ(from_file.rfind("cannot read image " + path + ": OpenCV refuses it (", 0), 0u) << from_file;
}

TEST(DatumIO, ReadImageToDatumRawResizedAndEncoded) {
  const std::string dir = test::MakeTempDir();
  const std::string png = dir + "/img.png";
  ASSERT_TRUE(cv::imwrite(png, TestImage()));

  Datum expected;
  CVMatToDatum(TestImage(), &expected);
  expected.set_label(9);
  Datum d;
  ASSERT_TRUE(ReadImageToDatum(png, 9, 0, 0, true, "", &d));
  EXPECT_EQ(d.SerializeAsString(), expected.SerializeAsString());

  ASSERT_TRUE(ReadImageToDatum(png, 1, 6, 8, true, "", &d));
  EXPECT_EQ(DatumShapeString(d), "3x6x8");
  // Both sizes are needed to resize, as in Caffe.
  ASSERT_TRUE(ReadImageToDatum(png, 1, 6, 0, true, "", &d));
  EXPECT_EQ(DatumShapeString(d), "3x3x4");

  ASSERT_TRUE(ReadImageToDatum(png, 2, 0, 0, false, "", &d));
  EXPECT_EQ(DatumShapeString(d), "1x3x4");

  // An untouched PNG asked for as "png" keeps the file's own bytes.
  ASSERT_TRUE(ReadImageToDatum(png, 4, 0, 0, true, "png", &d));
  std::ifstream file(png, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  EXPECT_TRUE(d.encoded());
  EXPECT_EQ(d.data(), bytes.str());
  EXPECT_EQ(d.label(), 4);
  EXPECT_FALSE(d.has_channels());

  // Resized and re-encoded; decoding gives the resized image.
  ASSERT_TRUE(ReadImageToDatum(png, 4, 6, 8, true, "png", &d));
  EXPECT_TRUE(d.encoded());
  ASSERT_TRUE(DecodeDatumNative(&d));
  EXPECT_EQ(DatumShapeString(d), "3x6x8");
  EXPECT_EQ(d.label(), 4);

  EXPECT_FALSE(ReadImageToDatum(dir + "/missing.png", 0, 0, 0, true, "", &d));
  EXPECT_THROW(ReadImageToDatum(png, 0, 6, 8, true, "nosuchformat", &d), Error);
}

#else  // !CNN_WITH_OPENCV

TEST(DatumIO, EncodedRecordNeedsOpenCV) {
  Datum d;
  d.set_data("\x89PNG");
  d.set_encoded(true);
  try {
    DecodeDatumNative(&d);
    FAIL() << "decoded without OpenCV";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OpenCV"), std::string::npos) << e.what();
  }
}

#endif  // CNN_WITH_OPENCV

}  // namespace
}  // namespace cnn
