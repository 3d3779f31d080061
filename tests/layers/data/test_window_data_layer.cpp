#include "cnn/layers/data/window_data_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace cnn {
namespace {

using test::DataOf;
using test::ErrorOf;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// "class overlap x1 y1 x2 y2" lines of one image.
struct Box {
  int label;
  float overlap;
  int x1, y1, x2, y2;
};

std::string ImageBlock(int index, const std::string& path, int channels, int height, int width,
                       const std::vector<Box>& boxes) {
  std::ostringstream s;
  s << "# " << index << "\n" << path << "\n" << channels << "\n" << height << "\n" << width << "\n" << boxes.size()
    << "\n";
  for (const Box& b : boxes) s << b.label << ' ' << b.overlap << ' ' << b.x1 << ' ' << b.y1 << ' ' << b.x2 << ' ' << b.y2 << "\n";
  return s.str();
}

std::string LayerText(const std::string& source, int batch, int crop, const std::string& window_extra = "",
                      const std::string& transform_extra = "") {
  return "name: 'win' type: 'WindowData' top: 'data' top: 'label' window_data_param { source: '" + source +
         "' batch_size: " + std::to_string(batch) + " fg_threshold: 0.5 bg_threshold: 0.3 " + window_extra +
         " } transform_param { crop_size: " + std::to_string(crop) + " " + transform_extra + " }";
}

struct WindowLayer {
  std::unique_ptr<Layer> layer;
  test::DataTops tops;
  explicit WindowLayer(const std::string& text) : layer(test::MakeLayer(text)) { layer->SetUp({}, tops.vec()); }
  void Forward() { layer->Forward({}, tops.vec()); }
  // Item i's channel c as rows of the crop.
  std::vector<float> Plane(int i, int c) const {
    const int s = tops.data.height() * tops.data.width();
    const float* p = tops.data.cpu_data() + (i * tops.data.channels() + c) * s;
    return std::vector<float>(p, p + s);
  }
};

// A crop x crop plane with `value` on rows [r0, r1) and columns [c0, c1), 0 elsewhere.
std::vector<float> Rect(int crop, int r0, int r1, int c0, int c1, float value) {
  std::vector<float> out(crop * crop, 0.f);
  for (int r = r0; r < r1; ++r)
    for (int c = c0; c < c1; ++c) out[r * crop + c] = value;
  return out;
}

class WindowDataTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::MakeTempDir(); }
  std::string Constant(const std::string& name, int h, int w, int value) {
    EXPECT_TRUE(cv::imwrite(dir_ + "/" + name, cv::Mat(h, w, CV_8UC3, cv::Scalar(value, value, value))));
    return name;
  }
  std::string Windows(const std::string& text) {
    const std::string path = dir_ + "/windows.txt";
    WriteFile(path, text);
    return path;
  }
  std::string Root() const { return " root_folder: '" + dir_ + "/'"; }
  std::string dir_;
};

TEST_F(WindowDataTest, ForegroundFractionLabelsAndCropSize) {
  const std::string image = Constant("a.png", 16, 20, 90);
  const std::string source = Windows(ImageBlock(0, image, 3, 16, 20,
                                                {{1, 0.8f, 0, 0, 9, 9},
                                                 {2, 0.9f, 5, 5, 15, 12},
                                                 {3, 0.5f, 1, 2, 3, 4},
                                                 {4, 0.4f, 0, 0, 4, 4},  // between the thresholds: unused
                                                 {0, 0.1f, 10, 0, 19, 15},
                                                 {5, 0.0f, 0, 10, 5, 15},  // background whatever its class
                                                 {0, 0.2f, 2, 2, 12, 12},
                                                 {0, 0.29f, 3, 3, 4, 4}}));
  Context::set_random_seed(4);
  WindowLayer w(LayerText(source, 8, 6, "fg_fraction: 0.3" + Root()));
  auto* layer = dynamic_cast<WindowDataLayer*>(w.layer.get());
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->num_foreground(), 3u);
  EXPECT_EQ(layer->num_background(), 4u);
  EXPECT_EQ(w.tops.data.shape(), (std::vector<int>{8, 3, 6, 6}));
  EXPECT_EQ(w.tops.label.shape(), (std::vector<int>{8}));
  // floor(8 * 0.3) = 2 foreground windows, after 6 background ones.
  std::set<int> classes;
  for (int batch = 0; batch < 20; ++batch) {
    w.Forward();
    ASSERT_EQ(w.tops.data.shape(), (std::vector<int>{8, 3, 6, 6}));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(w.tops.label.cpu_data()[i], 0.f);
    for (int i = 6; i < 8; ++i) {
      const int label = static_cast<int>(w.tops.label.cpu_data()[i]);
      EXPECT_TRUE(label >= 1 && label <= 3) << label;
      classes.insert(label);
    }
    // Every window lies inside the constant image: the whole crop is 90.
    for (float v : DataOf(w.tops.data)) ASSERT_EQ(v, 90.f);
  }
  EXPECT_EQ(classes, (std::set<int>{1, 2, 3}));
}

TEST_F(WindowDataTest, WarpSubtractsTheMeanAndScales) {
  const std::string source = Windows(ImageBlock(0, Constant("a.png", 8, 8, 100), 3, 8, 8,
                                                {{1, 1.f, 2, 2, 5, 5}, {0, 0.f, 0, 0, 7, 7}}));
  WindowLayer w(LayerText(source, 2, 6, "fg_fraction: 0.5 scale: 0.5" + Root(), "mean_value: 10 mean_value: 20 mean_value: 30"));
  w.Forward();
  for (int i = 0; i < 2; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(w.Plane(i, c), Rect(6, 0, 6, 0, 6, (100.f - 10 * (c + 1)) * 0.5f));
  EXPECT_EQ(DataOf(w.tops.label), (std::vector<float>{0, 1}));
}

TEST_F(WindowDataTest, ContextPaddingLeavesZerosOutsideTheImage) {
  // The whole 8x8 image as the box, crop 8, context_pad 2: grown by 8 / 4 = 2
  // about the centre 4 to [-4, 12] (17 pixels) each way; the image's 8 of
  // them warp to round(8 * 8/17) = 4 pixels, after round(4 * 8/17) = 2 of
  // padding: rows and columns 2..5 hold the image, the rest is 0.
  const std::string source = Windows(ImageBlock(0, Constant("a.png", 8, 8, 100), 3, 8, 8,
                                                {{1, 1.f, 0, 0, 7, 7}}));
  WindowLayer w(LayerText(source, 1, 8, "fg_fraction: 1 context_pad: 2" + Root()));
  w.Forward();
  for (int c = 0; c < 3; ++c) EXPECT_EQ(w.Plane(0, c), Rect(8, 2, 6, 2, 6, 100.f));
}

TEST_F(WindowDataTest, MirrorMovesThePaddingToTheOtherSide) {
  // A 4x4 box at the left edge of a 16x8 image (x 0..3, y 2..5), crop 8,
  // context_pad 2: grown to x [-2, 6], y [0, 8] (9 pixels each); 2 columns
  // left of the image and 1 row below it. Clipped: 7 x 8 pixels, warped at
  // 8/9 to round(7 * 8/9) = 6 wide and round(8 * 8/9) = 7 tall, after
  // round(2 * 8/9) = 2 columns of padding on the left (on the right when
  // mirrored) and none on top.
  const std::string source = Windows(ImageBlock(0, Constant("a.png", 8, 16, 60), 3, 8, 16,
                                                {{1, 1.f, 0, 2, 3, 5}}));
  Context::set_random_seed(2);
  WindowLayer w(LayerText(source, 1, 8, "fg_fraction: 1 context_pad: 2" + Root(), "mirror: true"));
  const std::vector<float> plain = Rect(8, 0, 7, 2, 8, 60.f), mirrored = Rect(8, 0, 7, 0, 6, 60.f);
  int seen_plain = 0, seen_mirrored = 0;
  for (int batch = 0; batch < 20; ++batch) {
    w.Forward();
    const std::vector<float> plane = w.Plane(0, 1);
    if (plane == plain) {
      ++seen_plain;
    } else {
      ASSERT_EQ(plane, mirrored) << batch;
      ++seen_mirrored;
    }
  }
  EXPECT_GT(seen_plain, 0);
  EXPECT_GT(seen_mirrored, 0);
}

TEST_F(WindowDataTest, SquareModeTakesTheLargerSide) {
  // Column x of the image holds 10 x. The box x 3..4, y 2..5 (2 wide, 4
  // tall) becomes the square x 2..6, y 2..6 about its centre (4, 4); its
  // 5 columns (20..60) resized to 4 sample x = 0.125, 1.375, 2.625, 3.875
  // (pixel centres): 21.25, 33.75, 46.25, 58.75, rounded to bytes.
  cv::Mat image(8, 8, CV_8UC3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * x, 10 * x, 10 * x);
  ASSERT_TRUE(cv::imwrite(dir_ + "/cols.png", image));
  const std::string source = Windows(ImageBlock(0, "cols.png", 3, 8, 8, {{1, 1.f, 3, 2, 4, 5}}));
  const float expected[4] = {21, 34, 46, 59};
  {
    WindowLayer w(LayerText(source, 1, 4, "fg_fraction: 1 crop_mode: 'square'" + Root()));
    w.Forward();
    const std::vector<float> plane = w.Plane(0, 0);
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) EXPECT_NEAR(plane[r * 4 + c], expected[c], 1.f) << r << " " << c;
  }
  {
    // "warp" stretches the 2 columns (30, 40) over the crop instead.
    WindowLayer w(LayerText(source, 1, 4, "fg_fraction: 1 crop_mode: 'warp'" + Root()));
    w.Forward();
    for (float v : w.Plane(0, 0)) EXPECT_TRUE(v >= 30.f && v <= 40.f) << v;
  }
}

TEST_F(WindowDataTest, ResumesExactly) {
  std::string text;
  for (int i = 0; i < 3; ++i) {
    cv::Mat image(10, 12, CV_8UC3);
    cv::randu(image, 0, 255);
    ASSERT_TRUE(cv::imwrite(dir_ + "/img" + std::to_string(i) + ".png", image));
    text += ImageBlock(i, "img" + std::to_string(i) + ".png", 3, 10, 12,
                       {{i + 1, 0.7f, i, 1, 8, 9}, {0, 0.1f, 2, 0, 11, 4 + i}, {0, 0.f, 0, 0, 5, 5}});
  }
  const std::string source = Windows(text);
  test::CheckResume(LayerText(source, 4, 5, "fg_fraction: 0.5 context_pad: 1" + Root(), "mirror: true"));
  test::CheckResume(LayerText(source, 3, 5, "cache_images: true crop_mode: 'square'" + Root()));
}

TEST_F(WindowDataTest, CachedImagesGiveTheSameBatches) {
  std::string text;
  for (int i = 0; i < 2; ++i) {
    cv::Mat image(9, 9, CV_8UC3);
    cv::randu(image, 0, 255);
    ASSERT_TRUE(cv::imwrite(dir_ + "/img" + std::to_string(i) + ".png", image));
    text += ImageBlock(i, "img" + std::to_string(i) + ".png", 3, 9, 9, {{1, 0.9f, 1, 1, 6, 7}, {0, 0.f, 0, 2, 8, 8}});
  }
  const std::string source = Windows(text);
  const auto read = [&](const std::string& extra) {
    Context::set_random_seed(8);
    WindowLayer w(LayerText(source, 4, 5, "fg_fraction: 0.5" + Root() + extra, "mirror: true"));
    return test::ReadBatches(*w.layer, w.tops, 4);
  };
  EXPECT_EQ(read(" cache_images: true"), read(""));
}

TEST_F(WindowDataTest, AMalformedLineNamesTheFileAndTheLine) {
  const std::string source =
      Windows(ImageBlock(0, "a.png", 3, 8, 8, {{1, 1.f, 0, 0, 7, 7}}) + "# 1\nb.png\n3\n8\n8\n2\n1 0.9 0 0 3 3\n1 0.9 0 0 3\n");
  test::DataTops tops;
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(LayerText(source, 2, 4))->SetUp({}, tops.vec()); }),
            "layer 'win' (WindowData): windows file '" + source +
                "' line 15: expected 'class_index overlap x1 y1 x2 y2', got '1 0.9 0 0 3'");
}

TEST_F(WindowDataTest, BadWindowsFiles) {
  const auto error = [&](const std::string& text, const std::string& extra = "") {
    const std::string source = Windows(text);
    test::DataTops tops;
    const std::string message =
        ErrorOf([&] { test::MakeLayer(LayerText(source, 2, 4, extra + Root()))->SetUp({}, tops.vec()); });
    const std::string head = "layer 'win' (WindowData): ";
    EXPECT_EQ(message.substr(0, head.size()), head) << message;
    return message.substr(std::min(message.size(), head.size()));
  };
  const std::string w = dir_ + "/windows.txt";
  Constant("a.png", 8, 8, 1);
  EXPECT_EQ(error(""), "the windows file '" + w + "' names no images");
  EXPECT_EQ(error("image 0\n"), "windows file '" + w + "' line 1: expected '# image_index', got 'image 0'");
  EXPECT_EQ(error("# 1\na.png\n3\n8\n8\n0\n"),
            "windows file '" + w + "' line 1: image index 1 out of sequence: expected 0");
  EXPECT_EQ(error("# 0\na.png\n3\n8\n"), "windows file '" + w + "' line 4: the file ends where width was expected");
  EXPECT_EQ(error("# 0\na.png\n3\n8\n-8\n0\n"),
            "windows file '" + w + "' line 5: expected the image's width (a positive integer), got '-8'");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{1, 0.9f, 0, 0, 8, 7}})),
            "windows file '" + w + "' line 7: window (0, 0)-(8, 7) does not lie in the 8x8 image "
            "(0 <= x1 <= x2 < width, 0 <= y1 <= y2 < height)");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{1, 1.5f, 0, 0, 3, 3}})),
            "windows file '" + w + "' line 7: overlap 1.5 is not in [0, 1]");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{0, 0.9f, 0, 0, 3, 3}, {0, 0.f, 0, 0, 3, 3}})),
            "windows file '" + w + "' line 7: a foreground window (overlap 0.9 >= fg_threshold 0.5) has "
            "class_index 0; 0 is the background's");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{0, 0.1f, 0, 0, 3, 3}}), "fg_fraction: 0.5"),
            "windows file '" + w + "' has no foreground window (overlap >= 0.5)");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{2, 0.9f, 0, 0, 3, 3}}), "fg_fraction: 0.5"),
            "windows file '" + w + "' has no background window (overlap < 0.3)");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 4, 8, 8, {{2, 0.9f, 0, 0, 3, 3}})),
            "windows file '" + w + "' line 2: image 'a.png' has 4 channels, expected 1 (grey) or 3 (colour)");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{2, 0.9f, 0, 0, 3, 3}}), "crop_mode: 'round'"),
            "window_data_param.crop_mode must be 'warp' or 'square' (got 'round')");
  EXPECT_EQ(error(ImageBlock(0, "a.png", 3, 8, 8, {{2, 0.9f, 0, 0, 3, 3}}), "context_pad: 2"),
            "window_data_param.context_pad 2 leaves nothing of a 4 crop");
  EXPECT_EQ(ErrorOf([&] {
              test::DataTops tops;
              test::MakeLayer(LayerText(w, 2, 4, Root(), "shift_pixels: 1"))->SetUp({}, tops.vec());
            }),
            "layer 'win' (WindowData): transform_param's shift_pixels, std_value and vertical_flip do not apply "
            "to WindowData");
  EXPECT_EQ(ErrorOf([&] {
              test::DataTops tops;
              test::MakeLayer(LayerText(dir_ + "/missing.txt", 2, 4))->SetUp({}, tops.vec());
            }),
            "layer 'win' (WindowData): cannot open the windows file '" + dir_ + "/missing.txt': No such file or directory");
}

TEST_F(WindowDataTest, AnImageThatCannotBeReadOrHasAnotherSizeIsAnErrorInForward) {
  Constant("a.png", 8, 9, 1);
  const std::string source = Windows(ImageBlock(0, "a.png", 3, 8, 8, {{1, 1.f, 0, 0, 3, 3}}) +
                                     ImageBlock(1, "gone.png", 3, 8, 8, {{1, 1.f, 0, 0, 3, 3}}));
  test::DataTops tops;
  auto layer = test::MakeLayer(LayerText(source, 1, 4, "fg_fraction: 1" + Root()));
  layer->SetUp({}, tops.vec());
  std::set<std::string> messages;
  // The first batch's window is one of the two; its error comes back from Forward.
  messages.insert(ErrorOf([&] { layer->Forward({}, tops.vec()); }));
  ASSERT_EQ(messages.size(), 1u);
  const std::string m = *messages.begin();
  const std::string wrong_size = "layer 'win' (WindowData): image '" + dir_ + "/a.png' (line 2 of '" + source +
                                 "') is 9x8 but the windows file says 8x8";
  const std::string unreadable = "layer 'win' (WindowData): image '" + dir_ + "/gone.png' (line 9 of '" + source +
                                 "') cannot be read as an image";
  EXPECT_TRUE(m == wrong_size || m == unreadable) << m;
}

TEST(WindowDataLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string dir = test::MakeTempDir();
  cv::Mat image(10, 12, CV_8UC3);
  cv::randu(image, 0, 255);
  ASSERT_TRUE(cv::imwrite(dir + "/a.png", image));
  WriteFile(dir + "/w.txt", ImageBlock(0, "a.png", 3, 10, 12, {{1, 0.7f, 1, 1, 8, 9}, {0, 0.1f, 2, 0, 11, 4}}));
  const std::string text = LayerText(dir + "/w.txt", 4, 5, "fg_fraction: 0.5 context_pad: 1 root_folder: '" + dir + "/'",
                                     "mirror: true");
  const auto read = [&](bool gpu) {
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    Context::set_random_seed(7);
    WindowLayer w(text);
    return test::ReadBatches(*w.layer, w.tops, 5);
  };
  EXPECT_EQ(read(true), read(false));
}

}  // namespace
}  // namespace cnn

#endif  // CNN_WITH_OPENCV
