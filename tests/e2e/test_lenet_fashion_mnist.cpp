// End to end: our LeNet (models/lenet) trained on a 2,000-image slice of
// Fashion-MNIST for 300 iterations, then scored on 1,000 held-out images.
// The bar: the smoothed training loss falls below half its starting value and
// test accuracy exceeds 0.70 (chance is 0.10; the full 10,000-iteration run
// reaches about 0.89). Skipped when the Debian package dataset-fashion-mnist
// is not installed. The GPU case trains the same net on the GPU and must
// reach the CPU's accuracy within 2 points (same data order, same initial
// weights; only summation order differs).
#include <gtest/gtest.h>

#include <cstdio>

#include "cnn/data/datum_writer.hpp"
#include "cnn/data/idx_reader.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

const char* kDataset = "/usr/share/datasets/fashion-mnist";

void WriteSlice(const std::string& images, const std::string& labels, int count, const std::string& out) {
  const IdxImages im = ReadIdxImages(images);
  const IdxLabels lb = ReadIdxLabels(labels);
  ASSERT_GE(im.count, count);
  DatumWriter writer("lmdb", out);
  for (int i = 0; i < count; ++i) {
    Datum d;
    d.set_channels(1);
    d.set_height(im.rows);
    d.set_width(im.cols);
    d.set_data(im.image(i), static_cast<size_t>(im.rows) * im.cols);
    d.set_label(lb.label(i));
    char key[16];
    std::snprintf(key, sizeof key, "%08d", i);
    writer.Put(key, d);
  }
  writer.Finish();
}

// Trains on the current device; returns the final test accuracy.
float TrainLeNet(const char* device) {
  const std::string root = kDataset;
  if (!test::PathExists(root + "/train-images-idx3-ubyte.gz"))
    return -1.f;
  const std::string dir = test::MakeTempDir();
  WriteSlice(root + "/train-images-idx3-ubyte.gz", root + "/train-labels-idx1-ubyte.gz", 2000, dir + "/train");
  WriteSlice(root + "/t10k-images-idx3-ubyte.gz", root + "/t10k-labels-idx1-ubyte.gz", 1000, dir + "/test");

  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lenet/train_test.prototxt"));
  for (auto& layer : *net.mutable_layer()) {
    if (layer.type() != "Data") continue;
    const bool test_phase = layer.include_size() > 0 && layer.include(0).phase() == TEST;
    layer.mutable_data_param()->set_source(dir + (test_phase ? "/test" : "/train"));
  }
  SolverParameter p = ReadSolverParamsFromTextFile(test::SourcePath("models/lenet/solver.prototxt"));
  p.clear_net();
  *p.mutable_net_param() = net;
  p.set_max_iter(300);
  p.set_test_iter(0, 10);  // 10 batches of 100 = the 1,000 held-out images
  p.set_test_interval(300);
  p.set_test_initialization(true);
  p.set_display(0);
  p.set_average_loss(20);  // smoothed_loss = mean of the last 20 iterations
  p.set_snapshot(0);
  p.set_snapshot_after_train(false);

  auto solver = SolverRegistry::Create(p);
  const float initial_accuracy = solver->TestAll()[0][0];
  solver->Step(20);
  const float early_loss = solver->smoothed_loss();
  solver->Step(280);
  const float late_loss = solver->smoothed_loss();
  const auto scores = solver->TestAll();
  EXPECT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0].size(), 2u);  // accuracy, loss
  const float accuracy = scores[0][0];
  ::testing::Test::RecordProperty(std::string("test_accuracy_") + device, std::to_string(accuracy));
  std::printf("%s: initial accuracy %.4f, loss over iterations 0-19 %.4f, 280-299 %.4f, final accuracy %.4f\n",
              device, initial_accuracy, early_loss, late_loss, accuracy);
  EXPECT_LT(late_loss, 0.5f * early_loss);
  EXPECT_GT(accuracy, 0.70f);
  EXPECT_GT(accuracy, initial_accuracy + 0.4f);
  return accuracy;
}

bool HaveDataset() { return test::PathExists(std::string(kDataset) + "/train-images-idx3-ubyte.gz"); }

TEST(EndToEnd, LeNetLearnsFashionMnist) {
  if (!HaveDataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TrainLeNet("CPU");
}

TEST(EndToEnd, LeNetLearnsFashionMnistOnGpu) {
  SKIP_WITHOUT_GPU();
  if (!HaveDataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const float cpu = TrainLeNet("CPU");
  float gpu = 0.f;
  {
    test::ScopedGpuMode mode;
    gpu = TrainLeNet("GPU");
  }
  EXPECT_NEAR(gpu, cpu, 0.02f);
}


}  // namespace
}  // namespace cnn
