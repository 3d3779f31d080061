// cnn visualize: a filter grid PNG for a grey (LeNet) and a colour
// (CIFAR-10 quick) first layer, and one-line refusals naming the layer.
// Skips where python3-matplotlib is missing.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

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

}  // namespace
}  // namespace test
}  // namespace cnn
