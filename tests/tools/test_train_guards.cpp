// Regression tests of the reliability issue for `cnn train` and `cnn test`:
// numbers out of range in solver files and states, divergence, signals,
// interrupted snapshot writes and weights files that do not cover the net.
// Each case is what a user runs; each answer is one line and exit status 1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

const char* kNet = R"(name: "tiny"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 4 } shape { dim: 8 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "acc" type: "Accuracy" bottom: "score" bottom: "y" top: "accuracy" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)";

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

int Count(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class TrainGuards : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir();
    Write(dir_ + "/net.prototxt", kNet);
  }
  // A solver for the tiny net; `extra` replaces nothing, so give each field once.
  std::string WriteSolver(const std::string& name, const std::string& extra, int max_iter = 6) {
    const std::string path = dir_ + "/" + name;
    Write(path, "net: \"" + dir_ + "/net.prototxt\"\nlr_policy: \"fixed\"\nmax_iter: " + std::to_string(max_iter) +
                    "\ndisplay: 1\nsnapshot_prefix: \"" + dir_ + "/snap/tiny\"\nrandom_seed: 3\n" + extra);
    return path;
  }
  int Run(const std::string& args, std::string* out) { return test::RunCommand(test::ToolPath() + " " + args, out); }
  void ExpectOneLineError(const std::string& args, const std::vector<std::string>& parts) {
    std::string out;
    EXPECT_EQ(Run(args + " --minloglevel=2", &out), 1) << args << "\n" << out;
    EXPECT_EQ(Count(out, "\n"), 1) << args << "\n" << out;
    EXPECT_EQ(out.rfind("cnn: error: ", 0), 0u) << args << "\n" << out;
    for (const auto& p : parts) EXPECT_NE(out.find(p), std::string::npos) << "'" << p << "' in: " << out;
  }
  std::string dir_;
};

TEST_F(TrainGuards, SolverNumbersOutOfRangeNameTheFieldAndTheFile) {
  struct Case {
    std::string fields, expect;
  };
  const std::vector<Case> cases = {
      {"base_lr: -0.01\n", "base_lr must be >= 0 (got -0.01)"},
      {"base_lr: nan\n", "base_lr must be a finite number"},
      {"base_lr: 0.1\nmomentum: 5\n", "momentum must be in [0, 1) (got 5)"},
      {"base_lr: 0.1\nmomentum: -0.5\ntype: \"Nesterov\"\n", "momentum must be in [0, 1)"},
      {"base_lr: 0.1\nweight_decay: -1\n", "weight_decay must be >= 0"},
      {"base_lr: 0.1\nsnapshot: -2\n", "snapshot must be >= 0"},
      {"base_lr: 0.1\ntest_interval: -1\n", "test_interval must be >= 0"},
      {"base_lr: 0.1\ntype: \"Adam\"\nmomentum: 0.9\nmomentum2: 1.5\n", "momentum2 must be in [0, 1)"},
      {"base_lr: 0.1\ntype: \"AdaGrad\"\ndelta: 0\n", "delta must be a positive number for AdaGrad"},
      {"base_lr: 0.1\ntype: \"RMSProp\"\nrms_decay: 1\n", "rms_decay must be in [0, 1)"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string file = WriteSolver("solver" + std::to_string(i++) + ".prototxt", c.fields);
    ExpectOneLineError("train --solver=" + file, {file + ": ", c.expect});
  }
  for (int max_iter : {0, -5}) {
    const std::string file = WriteSolver("iters.prototxt", "base_lr: 0.1\n", max_iter);
    ExpectOneLineError("train --solver=" + file, {file, "max_iter must be positive (got " + std::to_string(max_iter)});
  }
}

TEST_F(TrainGuards, SolverStateIterationsOutOfRangeAreErrors) {
  std::string out;
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 0.1\n");
  ASSERT_EQ(Run("train --solver=" + solver, &out), 0) << out;
  const std::string state_file = dir_ + "/snap/tiny_iter_6.solverstate";
  SolverState state;
  ReadProtoFromBinaryFile(state_file, &state);
  for (int iter : {-5, 7}) {
    state.set_iter(iter);
    const std::string bad = dir_ + "/bad" + std::to_string(iter) + ".solverstate";
    WriteProtoToBinaryFile(state, bad);
    ExpectOneLineError("train --solver=" + solver + " --snapshot=" + bad,
                       {bad, "iteration " + std::to_string(iter)});
  }
}

TEST_F(TrainGuards, AnEmptyNetFileIsAnError) {
  Write(dir_ + "/empty.prototxt", "");
  ExpectOneLineError("time --model=" + dir_ + "/empty.prototxt", {dir_ + "/empty.prototxt", "defines no layers"});
  ExpectOneLineError("test --model=" + dir_ + "/empty.prototxt", {"defines no layers"});
}

TEST_F(TrainGuards, AnImageListWithNoReadableImageIsOneLine) {
  Write(dir_ + "/list.txt", "gone.png 0\nalso_gone.png 1\n");
  Write(dir_ + "/images.prototxt", "layer { name: 'images' type: 'ImageData' top: 'x' top: 'y' image_data_param { "
                                   "source: '" + dir_ + "/list.txt' batch_size: 2 } }\n"
                                   "layer { name: 'fc' type: 'InnerProduct' bottom: 'x' top: 'score' "
                                   "inner_product_param { num_output: 2 } }\n"
                                   "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'score' bottom: 'y' }\n");
  const std::string solver = dir_ + "/images_solver.prototxt";
  Write(solver, "net: \"" + dir_ + "/images.prototxt\"\nbase_lr: 0.1\nlr_policy: \"fixed\"\nmax_iter: 2\n");
  ExpectOneLineError("train --solver=" + solver,
                     {"layer 'images' (ImageData): none of the 2 images the list '" + dir_ + "/list.txt'"});
}

// Regression (item 6): a NaN loss went on to the end, exit 0, NaN snapshots.
TEST_F(TrainGuards, NonFiniteWeightsStopTrainingNamingTheIterationAndLayer) {
  std::string net = kNet;
  net.replace(net.find("type: \"xavier\""), 14, "type: \"constant\" value: nan");
  Write(dir_ + "/net.prototxt", net);
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 0.1\nsnapshot: 1\n");
  ExpectOneLineError("train --solver=" + solver,
                     {"iteration 0: the loss is nan", "layer 'fc' (InnerProduct) holds non-finite values"});
  EXPECT_FALSE(test::PathExists(dir_ + "/snap/tiny_iter_1.caffemodel"));
  std::string out;
  EXPECT_EQ(Run("train --allow_nonfinite --solver=" + solver, &out), 0) << out;
  EXPECT_NE(out.find("training on (allowed)"), std::string::npos) << out;
}

// Least squares with a step far too large: each update multiplies the error
// by about -99, so the loss overflows within a few dozen iterations.
const char* kRegression = R"(name: "diverging"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 4 } shape { dim: 8 dim: 3 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "fit"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "fit" bottom: "y" top: "loss" }
)";

TEST_F(TrainGuards, DivergenceStopsBeforeTheUpdateAndKeepsTheLastGoodSnapshot) {
  Write(dir_ + "/net.prototxt", kRegression);
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 100\nsnapshot: 1\n", 200);
  std::string out;
  EXPECT_EQ(Run("train --solver=" + solver, &out), 1) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("cnn: error: iteration ([0-9]+): ([^\n]*)"))) << out;
  const int stopped = std::stoi(m[1]);
  EXPECT_NE(m[2].str().find("layer '"), std::string::npos) << m[2];
  ASSERT_GT(stopped, 0) << out;
  EXPECT_FALSE(test::PathExists(dir_ + "/snap/tiny_iter_" + std::to_string(stopped + 1) + ".caffemodel"));
  // The newest snapshot holds the weights before the failed update.
  const std::string last = dir_ + "/snap/tiny_iter_" + std::to_string(stopped) + ".caffemodel";
  ASSERT_TRUE(test::PathExists(last)) << out;
  NetParameter weights;
  ReadProtoFromBinaryFile(last, &weights);
  for (const auto& layer : weights.layer())
    for (const auto& blob : layer.blobs())
      for (float v : blob.data()) ASSERT_TRUE(std::isfinite(v)) << layer.name();
}

// Regression (item 8): --sigint_effect=none let Ctrl-C kill the run; a stop
// logged its snapshot twice; the final scores claimed the last iteration.
TEST_F(TrainGuards, SignalsIgnoredWhenToldAndAStopSnapshotsOnce) {
  const std::string solver =
      WriteSolver("solver.prototxt", "base_lr: 0.01\ntest_iter: 1\ntest_interval: 2\n", 100000000);
  int pipe_fd[2];
  ASSERT_EQ(pipe(pipe_fd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(pipe_fd[1], 1);
    dup2(pipe_fd[1], 2);
    close(pipe_fd[0]);
    const std::string flag = "--solver=" + solver;
    execl(test::ToolPath().c_str(), "cnn", "train", flag.c_str(), "--sigint_effect=none", "--sighup_effect=stop",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fd[1]);
  std::string seen;
  char buf[512];
  while (seen.find("Iteration 5,") == std::string::npos) {
    const ssize_t n = read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, n);
  }
  ASSERT_NE(seen.find("Iteration 5,"), std::string::npos) << seen;
  kill(pid, SIGINT);  // ignored
  kill(pid, SIGHUP);  // stops
  ssize_t n;
  while ((n = read(pipe_fd[0], buf, sizeof buf)) > 0) seen.append(buf, n);
  close(pipe_fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "\n"
                                 << seen;
  EXPECT_EQ(WEXITSTATUS(status), 0) << seen;
  EXPECT_NE(seen.find("Optimization stopped early"), std::string::npos) << seen;
  EXPECT_EQ(Count(seen, "Snapshotting solver state"), 1) << seen;
  // The final scores carry the iteration of the test pass they come from.
  std::string last_test;
  const std::regex testing("Iteration ([0-9]+), Testing net");
  for (auto it = std::sregex_iterator(seen.begin(), seen.end(), testing); it != std::sregex_iterator(); ++it)
    last_test = (*it)[1];
  ASSERT_FALSE(last_test.empty()) << seen;
  EXPECT_NE(seen.find("Final test net #0 (iteration " + last_test + "): accuracy = "), std::string::npos) << seen;
}

// Item 8: kill -9 during a snapshot left *.tmp.PID files nothing removed.
TEST_F(TrainGuards, StaleSnapshotTemporariesAreRemovedAtStart) {
  std::filesystem::create_directories(dir_ + "/snap");
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string stale = dir_ + "/snap/tiny_iter_3.caffemodel.tmp." + std::to_string(dead);
  const std::string live = dir_ + "/snap/tiny_iter_3.solverstate.tmp." + std::to_string(getpid());
  const std::string other = dir_ + "/snap/notes.tmp." + std::to_string(dead);
  for (const auto& f : {stale, live, other}) Write(f, "partial");
  std::string out;
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 0.1\n", 1);
  ASSERT_EQ(Run("train --solver=" + solver, &out), 0) << out;
  EXPECT_FALSE(test::PathExists(stale)) << "a dead writer's temporary stays";
  EXPECT_TRUE(test::PathExists(live)) << "a running process's temporary was removed";
  EXPECT_TRUE(test::PathExists(other)) << "a file outside the snapshot prefix was removed";
}

// Item 5: a weights file lacking a layer silently kept the filler's values.
TEST_F(TrainGuards, WeightsThatMissALayerAreAnErrorInTestAndAWarningInTrain) {
  std::string out;
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 0.1\n", 2);
  ASSERT_EQ(Run("train --solver=" + solver, &out), 0) << out;
  const std::string weights = dir_ + "/snap/tiny_iter_2.caffemodel";
  std::string net = kNet;
  net.replace(net.find("name: \"fc\""), 10, "name: \"fc_new\"");
  Write(dir_ + "/renamed.prototxt", net);
  ExpectOneLineError("test --model=" + dir_ + "/renamed.prototxt --weights=" + weights,
                     {weights, "'fc_new'", "--allow_missing_weights"});
  EXPECT_EQ(Run("test --allow_missing_weights --iterations=1 --model=" + dir_ + "/renamed.prototxt --weights=" +
                    weights, &out), 0) << out;
  Write(dir_ + "/net.prototxt", net);
  ASSERT_EQ(Run("train --solver=" + solver + " --weights=" + weights, &out), 0) << out;
  EXPECT_NE(out.find("layer 'fc_new' has no weights"), std::string::npos) << out;
}

// Item 7: a blob whose values do not fill its shape named neither the file nor the layer.
TEST_F(TrainGuards, BadBlobsInAWeightsFileNameTheFileAndLayer) {
  std::string out;
  const std::string solver = WriteSolver("solver.prototxt", "base_lr: 0.1\n", 1);
  ASSERT_EQ(Run("train --solver=" + solver, &out), 0) << out;
  NetParameter weights;
  ReadProtoFromBinaryFile(dir_ + "/snap/tiny_iter_1.caffemodel", &weights);
  for (auto& layer : *weights.mutable_layer())
    if (layer.name() == "fc") layer.mutable_blobs(0)->mutable_data()->RemoveLast();
  const std::string bad = dir_ + "/bad.caffemodel";
  WriteProtoToBinaryFile(weights, bad);
  ExpectOneLineError("test --model=" + dir_ + "/net.prototxt --weights=" + bad, {bad + ": ", "layer 'fc'", "blob 0"});
}

}  // namespace
}  // namespace cnn
