// models/imagelist_demo and data/imagelist_demo/make_lists.py: the script
// writes PNGs and lists from (generated) idx files that decode back to the
// idx pixels, and the model trains a few iterations from such a list with
// its own solver, ImageData with shift_pixels, mirror and shuffle on.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>

namespace cnn {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Fashion-MNIST-shaped idx files of n 28x28 images: pixel (i, y, x) =
// (i * 7 + y * 28 + x) % 256, label i % 10, written by Python's gzip.
void WriteIdx(const std::string& dir, const std::string& prefix, int n) {
  const std::string script =
      "import gzip, struct, sys\n"
      "d, p, n = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
      "px = bytes((i * 7 + k) % 256 for i in range(n) for k in range(784))\n"
      "gzip.open(f'{d}/{p}-images-idx3-ubyte.gz', 'wb').write(struct.pack('>IIII', 0x803, n, 28, 28) + px)\n"
      "gzip.open(f'{d}/{p}-labels-idx1-ubyte.gz', 'wb').write(struct.pack('>II', 0x801, n) + bytes(i % 10 for i in range(n)))\n";
  std::ofstream(dir + "/idx.py") << script;
  std::string output;
  ASSERT_EQ(test::RunCommand("/usr/bin/python3 '" + dir + "/idx.py' '" + dir + "' " + prefix + " " +
                                 std::to_string(n),
                             &output),
            0)
      << output;
}

TEST(ImageListDemo, ScriptWritesPngsAndListsAndTheModelTrainsOnThem) {
  const std::string src = test::MakeTempDir(), out = test::MakeTempDir();
  WriteIdx(src, "train", 12);
  WriteIdx(src, "t10k", 8);
  std::string output;
  ASSERT_EQ(test::RunCommand("FASHION_MNIST_DIR='" + src + "' /usr/bin/python3 '" +
                                 test::SourcePath("data/imagelist_demo/make_lists.py") + "' --out '" + out +
                                 "' --limit 10",
                             &output),
            0)
      << output;
  // --limit 10 of the 12 training images, all 8 test ones.
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += "train/0000" + std::to_string(i) + ".png " + std::to_string(i % 10) + "\n";
  EXPECT_EQ(Read(out + "/fmnist_train.txt"), expected);
  const cv::Mat image = cv::imread(out + "/test/00005.png", cv::IMREAD_UNCHANGED);
  ASSERT_EQ(image.type(), CV_8UC1);
  ASSERT_EQ(image.rows, 28);
  ASSERT_EQ(image.cols, 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) ASSERT_EQ(image.at<uchar>(y, x), (5 * 7 + y * 28 + x) % 256) << y << " " << x;

  // The model, its lists moved to `out`, smaller batches, a few iterations.
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/imagelist_demo/train_val.prototxt"));
  int image_layers = 0;
  for (LayerParameter& lp : *net.mutable_layer()) {
    if (lp.type() != "ImageData") continue;
    ++image_layers;
    ImageDataParameter* p = lp.mutable_image_data_param();
    const std::string list = p->source().substr(p->source().rfind('/') + 1);
    p->set_source(out + "/" + list);
    p->set_root_folder(out + "/");
    p->set_batch_size(4);
  }
  EXPECT_EQ(image_layers, 2);
  SolverParameter solver =
      ReadSolverParamsFromTextFile(test::SourcePath("models/imagelist_demo/solver.prototxt"));
  solver.clear_net();
  *solver.mutable_net_param() = net;
  solver.set_max_iter(6);
  solver.set_test_interval(3);
  solver.clear_test_iter();
  solver.add_test_iter(2);
  solver.set_snapshot(0);
  solver.set_snapshot_after_train(false);
  solver.set_display(0);
  auto s = SolverRegistry::Create(solver, "imagelist_demo/solver.prototxt");
  s->Solve();
  EXPECT_EQ(s->iter(), 6);
  EXPECT_TRUE(std::isfinite(s->smoothed_loss())) << s->smoothed_loss();
}

TEST(ImageListDemo, ScriptNamesAMissingDataSet) {
  std::string output;
  EXPECT_NE(test::RunCommand("FASHION_MNIST_DIR=/nonexistent /usr/bin/python3 '" +
                                 test::SourcePath("data/imagelist_demo/make_lists.py") + "' --out '" +
                                 test::MakeTempDir() + "' 2>&1",
                             &output),
            0);
  EXPECT_NE(output.find("/nonexistent/train-images-idx3-ubyte.gz is missing"), std::string::npos) << output;
}

}  // namespace
}  // namespace cnn

#endif  // CNN_WITH_OPENCV
