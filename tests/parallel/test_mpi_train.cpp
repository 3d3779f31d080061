// Data-parallel training as a user launches it (`mpirun -np 2 cnn train`)
// against one process with the whole batch, on a small generated LMDB.
// Skipped when mpirun is absent or cnn was built without MPI.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <thread>

#include "cnn/cnn.pb.h"
#include "cnn/data/datum_writer.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// 160 records, so runs of 20 iterations × 64 wrap around the database
// several times, at a point that does not fall on a batch boundary.
constexpr int kRecords = 160;

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A conv, a ReLU and a classifier: every kind of gradient the all-reduce
// carries (4-D filter, biases, a 2-D matrix), and no random layer, so the
// big batch and its shares draw nothing that could differ.
std::string NetText(const std::string& db, int batch) {
  return R"(name: "small"
layer { name: "data" type: "Data" top: "x" top: "y"
  data_param { source: ")" + db + R"(" backend: LMDB batch_size: )" + std::to_string(batch) + R"( }
  transform_param { scale: 0.00390625 } }
layer { name: "conv" type: "Convolution" bottom: "x" top: "c"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "c" top: "c" }
layer { name: "fc" type: "InnerProduct" bottom: "c" top: "score"
  inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)";
}

using test::Mpirun;

bool BuiltWithMpi() { return test::ToolBuiltWithMpi(); }

std::vector<float> Weights(const std::string& model) {
  NetParameter net;
  ReadProtoFromBinaryFile(model, &net);
  std::vector<float> all;
  for (const auto& layer : net.layer())
    for (const auto& blob : layer.blobs()) all.insert(all.end(), blob.data().begin(), blob.data().end());
  return all;
}

class MpiTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::MakeTempDir());
    DatumWriter writer("lmdb", *dir_ + "/db");
    std::mt19937 rng(7);
    for (int i = 0; i < kRecords; ++i) {
      Datum d;
      d.set_channels(1);
      d.set_height(6);
      d.set_width(6);
      const int label = static_cast<int>(rng() % 5);
      d.set_label(label);
      std::string bytes(36, '\0');
      // A pattern per label plus noise: the net learns, so gradients stay large.
      for (int k = 0; k < 36; ++k) bytes[k] = static_cast<char>((k % 5 == label ? 160 : 40) + rng() % 64);
      d.set_data(bytes);
      char key[16];
      std::snprintf(key, sizeof key, "%08d", i);
      writer.Put(key, d);
    }
    writer.Finish();
  }
  static void TearDownTestSuite() {
    std::string out;
    test::RunCommand("rm -rf '" + *dir_ + "'", &out);
    delete dir_;
  }

  void SetUp() override {
    if (Mpirun().empty()) GTEST_SKIP() << "mpirun not found (install openmpi-bin)";
    if (!BuiltWithMpi()) GTEST_SKIP() << "cnn built without MPI (CNN_WITH_MPI=OFF)";
  }

  // Writes net and solver for `name` and returns the solver's path.
  std::string Prepare(const std::string& name, int batch, const std::string& solver_lines, int max_iter = 20) {
    const std::string base = *dir_ + "/" + name;
    Write(base + ".net", NetText(*dir_ + "/db", batch));
    Write(base + ".solver", "net: \"" + base + ".net\"\nlr_policy: \"fixed\"\nmax_iter: " + std::to_string(max_iter) + "\n" +
                                "display: 5\nrandom_seed: 11\nweight_decay: 0.001\nsnapshot_prefix: \"" + base +
                                "\"\n" + solver_lines);
    return base + ".solver";
  }
  int Train(int ranks, const std::string& solver, const std::string& extra, std::string* out) {
    const std::string launcher = ranks > 1 ? Mpirun() + "-np " + std::to_string(ranks) + " " : std::string();
    return test::RunCommand(launcher + test::ToolPath() + " train --solver=" + solver + " " + extra, out);
  }
  // 2 ranks × B against 1 × 2B, same solver: the final weights.
  void ExpectEquivalent(const std::string& name, int batch, const std::string& solver_lines) {
    std::string out;
    const std::string one = Prepare(name + "_one", 2 * batch, solver_lines);
    const std::string two = Prepare(name + "_two", batch, solver_lines);
    ASSERT_EQ(Train(1, one, "", &out), 0) << out;
    ASSERT_EQ(Train(2, two, "--check_replicas", &out), 0) << out;
    // Every gradient's all-reduce overlapped the backward passes below it.
    EXPECT_NE(out.find("All-reduce over 2 ranks: 4 of 4 parameter blobs started during backward"), std::string::npos)
        << out;
    const std::vector<float> a = Weights(*dir_ + "/" + name + "_one_iter_20.caffemodel");
    const std::vector<float> b = Weights(*dir_ + "/" + name + "_two_iter_20.caffemodel");
    ASSERT_EQ(a.size(), b.size());
    ASSERT_GT(a.size(), 0u);
    // The same sums in another order: each rank's sgemm adds its 32 records'
    // gradients, the all-reduce then adds the two halves, where one process
    // adds all 64 in one go. Single-precision rounding (2^-24 relative per
    // addition) compounds over 20 updates to about 5e-8 of (1 + |weight|)
    // here (measured); 1e-6 leaves room for other BLAS kernels while a wrong
    // share, order or scale (which moves weights by 1e-3 and more) fails.
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / (1.0 + std::fabs(a[i])));
    EXPECT_LT(worst, 1e-6) << name;
    std::cout << name << ": largest difference " << worst << " of (1 + |weight|) over " << a.size() << " weights\n";
    // Not vacuous: iterations 2 to 20 moved the weights far.
    ASSERT_EQ(Train(1, Prepare(name + "_first", 2 * batch, solver_lines, 1), "", &out), 0) << out;
    const std::vector<float> start = Weights(*dir_ + "/" + name + "_first_iter_1.caffemodel");
    double moved = 0;
    for (size_t i = 0; i < a.size(); ++i) moved = std::max(moved, std::fabs(double(a[i]) - start[i]));
    EXPECT_GT(moved, 1e-2) << name;
  }

  static std::string* dir_;
};
std::string* MpiTrain::dir_ = nullptr;

TEST_F(MpiTrain, SgdTwoRanksEqualOneBigBatch) { ExpectEquivalent("sgd", 32, "base_lr: 0.05\nmomentum: 0.9\n"); }

TEST_F(MpiTrain, AdamTwoRanksEqualOneBigBatch) {
  ExpectEquivalent("adam", 32, "type: \"Adam\"\nmomentum: 0.9\nmomentum2: 0.999\nbase_lr: 0.01\n");
}

TEST_F(MpiTrain, SgdIterSizeTwoRanksEqualOneBigBatch) {
  ExpectEquivalent("sgd_is", 16, "base_lr: 0.05\nmomentum: 0.9\niter_size: 2\n");
}

TEST_F(MpiTrain, AdamIterSizeTwoRanksEqualOneBigBatch) {
  ExpectEquivalent("adam_is", 16, "type: \"Adam\"\nmomentum: 0.9\nmomentum2: 0.999\nbase_lr: 0.01\niter_size: 2\n");
}

// Snapshot at 10, resume to 20 (both with 2 ranks) against a straight 20:
// the weights, the momentum and every rank's data position come back, so
// the two runs do the same arithmetic and agree to the bit.
TEST_F(MpiTrain, ResumeFromSnapshotEqualsStraightRun) {
  std::string out;
  const std::string lines = "base_lr: 0.05\nmomentum: 0.9\nsnapshot: 10\n";
  const std::string straight = Prepare("straight", 32, lines);
  ASSERT_EQ(Train(2, straight, "", &out), 0) << out;
  const std::string resumed = Prepare("resumed", 32, lines);
  ASSERT_EQ(Train(2, resumed, "--snapshot=" + *dir_ + "/straight_iter_10.solverstate", &out), 0) << out;
  EXPECT_NE(out.find("Resuming at iteration 10"), std::string::npos) << out;
  EXPECT_EQ(Weights(*dir_ + "/straight_iter_20.caffemodel"), Weights(*dir_ + "/resumed_iter_20.caffemodel"));
  // Rank 0 alone wrote the snapshots: one file per kind per iteration.
  EXPECT_TRUE(test::PathExists(*dir_ + "/straight_iter_10.caffemodel"));
}

// The 2-rank snapshot resumed by one process with the whole batch: the
// saved position is the global record count, so the one process goes on
// where the two left off.
TEST_F(MpiTrain, TwoRankSnapshotResumesInOneProcess) {
  std::string out;
  const std::string lines = "base_lr: 0.05\nmomentum: 0.9\nsnapshot: 10\n";
  const std::string two = Prepare("two_then", 32, lines);
  ASSERT_EQ(Train(2, two, "", &out), 0) << out;
  const std::string one = Prepare("one_after", 64, lines);
  ASSERT_EQ(Train(1, one, "--snapshot=" + *dir_ + "/two_then_iter_10.solverstate", &out), 0) << out;
  const std::vector<float> a = Weights(*dir_ + "/two_then_iter_20.caffemodel");
  const std::vector<float> b = Weights(*dir_ + "/one_after_iter_20.caffemodel");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6 * (1 + std::fabs(a[i]))) << i;
}

int StopIteration(const std::string& out) {
  const std::string key = "Stopped early at iteration ";
  const size_t at = out.find(key);
  return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + key.size());
}

// Rank 0 alone scores the test passes; after each one it tells the other
// ranks whether early stopping ends the run, so every rank stops at the
// same iteration (no rank left waiting in an all-reduce), and it is the
// iteration one process with the whole batch stops at. min_delta 100 lets
// no pass count as better, so the stop comes after `patience` passes
// whatever the rounding of the two runs' losses.
TEST_F(MpiTrain, EarlyStoppingStopsEveryRankWhereOneProcessStops) {
  const std::string lines =
      "base_lr: 0.05\nmomentum: 0.9\ntest_iter: 2\ntest_interval: 5\nearly_stop_output: \"loss\"\npatience: 2\n"
      "min_delta: 100\n";
  std::string one_out, two_out;
  ASSERT_EQ(Train(1, Prepare("early_one", 64, lines, 1000), "", &one_out), 0) << one_out;
  ASSERT_EQ(Train(2, Prepare("early_two", 32, lines, 1000), "", &two_out), 0) << two_out;
  const int stop = StopIteration(one_out);
  ASSERT_GT(stop, 0) << one_out;
  ASSERT_LT(stop, 1000) << one_out;
  EXPECT_EQ(StopIteration(two_out), stop) << two_out;
  const std::vector<float> a = Weights(*dir_ + "/early_one_iter_" + std::to_string(stop) + ".caffemodel");
  const std::vector<float> b = Weights(*dir_ + "/early_two_iter_" + std::to_string(stop) + ".caffemodel");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 0u);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6 * (1 + std::fabs(a[i]))) << i;
  EXPECT_TRUE(test::PathExists(*dir_ + "/early_two_best.caffemodel"));
}

// kill -9 of rank 1 in a long run: the run ends within 10 s, non-zero,
// with a message naming rank 1.
TEST_F(MpiTrain, KilledRankEndsTheRunNamingIt) {
  const std::string solver = Prepare("killed", 32, "base_lr: 0.01\n", 100000000);
  const std::string log = *dir_ + "/killed.log";
  const pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    setpgid(0, 0);
    const std::string command = Mpirun() + "-np 2 " + test::ToolPath() + " train --solver=" + solver + " > " + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Rank 1's pid: the child of mpirun whose environment says rank 1, once
  // training has begun (a few seconds at most).
  pid_t rank1 = 0;
  for (int tries = 0; tries < 300 && rank1 == 0; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string pids;
    test::RunCommand("for p in $(pgrep -P " + std::to_string(launcher) +
                         "); do tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && "
                         "echo $p; done",
                     &pids);
    if (!pids.empty()) rank1 = static_cast<pid_t>(std::atoi(pids.c_str()));
  }
  if (rank1 == 0) kill(-launcher, SIGKILL);
  ASSERT_NE(rank1, 0) << "rank 1 never started";
  std::this_thread::sleep_for(std::chrono::seconds(2));  // into training
  ASSERT_EQ(kill(rank1, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(launcher, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - killed < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  if (done == 0) {
    kill(-launcher, SIGKILL);
    waitpid(launcher, &status, 0);
  }
  std::ifstream log_in(log);
  const std::string output((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  ASSERT_NE(done, 0) << "the run went on for 20 s after rank 1 was killed:\n" << output;
  EXPECT_LT(seconds, 10.0) << output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << output;
  EXPECT_NE(output.find("rank 1"), std::string::npos) << output;
  std::cout << "run ended " << seconds << " s after rank 1 was killed; its output:\n" << output;
}

}  // namespace
}  // namespace cnn
