// cnn visualize: a filter grid PNG for a grey (LeNet) and a colour
// (CIFAR-10 quick) first layer, one image's activation maps, and one-line
// refusals naming the layer or blob. Drawing skips where python3-matplotlib
// is missing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "deploy/random_weights.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

bool HasMatplotlib() {
  std::string out;
  return RunCommand("/usr/bin/python3 -c 'import matplotlib, numpy'", &out) == 0;
}

// PNG signature, then the IHDR chunk's width and height (big-endian).
bool PngSize(const std::string& path, int* width, int* height) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[24];
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return false;
  if (h[0] != 0x89 || h[1] != 'P' || h[2] != 'N' || h[3] != 'G') return false;
  *width = (h[16] << 24) | (h[17] << 16) | (h[18] << 8) | h[19];
  *height = (h[20] << 24) | (h[21] << 16) | (h[22] << 8) | h[23];
  return true;
}

std::string WriteNet(const std::string& model, const std::string& dir) {
  const NetParameter p = ReadNetParamsFromTextFile(SourcePath(model));
  Net net(p);
  WriteRandomWeights(&net, 4, dir + "/w.caffemodel");
  return "--model=" + SourcePath(model) + " --weights=" + dir + "/w.caffemodel";
}

TEST(Visualize, DrawsGreyAndColourFilterGrids) {
  if (!HasMatplotlib()) GTEST_SKIP() << "python3-matplotlib is not installed";
  const std::string dir = MakeTempDir();
  ToolResult r = Cnn("visualize " + WriteNet("models/lenet/deploy.prototxt", dir) + " --layer=conv1 --out=" + dir +
                     "/lenet.png");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("20 filters of conv1"), std::string::npos) << r.output;
  int w = 0, h = 0;
  ASSERT_TRUE(PngSize(dir + "/lenet.png", &w, &h));
  // LeNet's conv1: 20 grey filters of one channel in a 5 x 4 grid.
  EXPECT_GT(w, 100);
  EXPECT_GT(h, 100);
  EXPECT_LT(h, 2 * w);
  const std::string colour = dir + "/cifar";
  ASSERT_EQ(RunCommand("mkdir -p " + colour, &r.output), 0);
  r = Cnn("visualize " + WriteNet("models/cifar10_quick/deploy.prototxt", colour) + " --layer=conv1 --out=" + colour +
          "/filters.png");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(PngSize(colour + "/filters.png", &w, &h));
  // 32 colour filters in a near-square grid.
  EXPECT_GT(w, 100);
  EXPECT_GT(h, 100);
}

TEST(Visualize, RefusesUnknownLayersAndNonFilterWeights) {
  const std::string dir = MakeTempDir();
  const std::string net = WriteNet("models/lenet/deploy.prototxt", dir);
  ToolResult r = Cnn("visualize " + net + " --layer=conv --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("has no layer 'conv' (did you mean 'conv1'?)"), std::string::npos) << r.output;
  r = Cnn("visualize " + net + " --layer=ip1 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("layer 'ip1' (InnerProduct): its weights have shape"), std::string::npos) << r.output;
  r = Cnn("visualize " + net + " --layer=pool1 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("layer 'pool1' (Pooling) has no learned filters"), std::string::npos) << r.output;
}

#ifdef CNN_WITH_OPENCV
// A 28x28 grey gradient, so the net's input needs no resizing and its
// values are known exactly.
std::string WriteDigit(const std::string& dir) {
  cv::Mat image(28, 28, CV_8UC1);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) image.at<unsigned char>(y, x) = static_cast<unsigned char>((x * 9 + y * 3) % 256);
  const std::string path = dir + "/digit.png";
  EXPECT_TRUE(cv::imwrite(path, image));
  return path;
}

TEST(Visualize, DrawsActivationMapsOfOneImage) {
  if (!HasMatplotlib()) GTEST_SKIP() << "python3-matplotlib is not installed";
  const std::string dir = MakeTempDir();
  const std::string net = WriteNet("models/lenet/deploy.prototxt", dir);
  const std::string image = WriteDigit(dir);
  ToolResult r = Cnn("visualize " + net + " --input=" + image + " --blob=conv2 --out=" + dir + "/maps.png");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("50 maps of conv2 (8x8)"), std::string::npos) << r.output;
  int w = 0, h = 0;
  ASSERT_TRUE(PngSize(dir + "/maps.png", &w, &h));
  EXPECT_GT(w, 100);
  EXPECT_GT(h, 100);
}

// What the script receives is the net's blob for the transformed image:
// a stand-in script keeps the raw floats, compared with a forward pass here.
TEST(Visualize, MapsAreTheBlobOfTheTransformedImage) {
  const std::string dir = MakeTempDir();
  const std::string net = WriteNet("models/lenet/deploy.prototxt", dir);
  const std::string image = WriteDigit(dir);
  {
    std::ofstream script(dir + "/keep.sh");
    script << "cp \"$2\" \"$6.raw\"; echo \"$4\" > \"$6.shape\"\n";
  }
  setenv("CNN_PYTHON", "/bin/sh", 1);
  setenv("CNN_FILTERS_SCRIPT", (dir + "/keep.sh").c_str(), 1);
  ToolResult r = Cnn("visualize " + net + " --input=" + image + " --blob=pool1 --mean_value=33 --scale=0.01 --out=" +
                     dir + "/maps");
  unsetenv("CNN_PYTHON");
  unsetenv("CNN_FILTERS_SCRIPT");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream shape(dir + "/maps.shape");
  std::string shape_text;
  shape >> shape_text;
  EXPECT_EQ(shape_text, "20x1x12x12");
  std::ifstream raw(dir + "/maps.raw", std::ios::binary);
  std::vector<float> got(20 * 12 * 12);
  ASSERT_TRUE(raw.read(reinterpret_cast<char*>(got.data()), static_cast<std::streamsize>(got.size() * 4)));

  NetParameter p = ReadNetParamsFromTextFile(SourcePath("models/lenet/deploy.prototxt"));
  p.mutable_state()->set_phase(TEST);
  Net expected(p);
  expected.CopyTrainedLayersFromFile(dir + "/w.caffemodel");
  Blob& in = *expected.input_blobs()[0];
  in.Reshape({1, 1, 28, 28});
  expected.Reshape();
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) in.mutable_cpu_data()[y * 28 + x] = (((x * 9 + y * 3) % 256) - 33) * 0.01f;
  expected.Forward();
  const Blob& pool1 = *expected.blob_by_name("pool1");
  ASSERT_EQ(pool1.count(), static_cast<int>(got.size()));
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], pool1.cpu_data()[i], 1e-5f) << i;
}

TEST(Visualize, RefusesUnknownBlobsAndMissingImages) {
  const std::string dir = MakeTempDir();
  const std::string net = WriteNet("models/lenet/deploy.prototxt", dir);
  const std::string image = WriteDigit(dir);
  ToolResult r = Cnn("visualize " + net + " --input=" + image + " --blob=cnv2 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("has no blob 'cnv2' (did you mean 'conv2'?)"), std::string::npos) << r.output;
  r = Cnn("visualize " + net + " --input=" + dir + "/none.png --blob=conv2 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot open image " + dir + "/none.png: No such file or directory"), std::string::npos)
      << r.output;
  // Three means for LeNet's one grey channel: the flags reach the transform.
  r = Cnn("visualize " + net + " --input=" + image + " --blob=conv2 --mean_value=1,2,3 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("3 mean_value are given"), std::string::npos) << r.output;
  r = Cnn("visualize " + net + " --input=" + image + " --layer=conv1 --out=" + dir + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("not both"), std::string::npos) << r.output;
}
#endif

}  // namespace
}  // namespace test
}  // namespace cnn
