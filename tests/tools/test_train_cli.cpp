// `cnn train` and `cnn test` as a user runs them: a tiny net with in-memory
// data (DummyData), errors as one line and exit status 1, Ctrl-C snapshots.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

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

// A solver for the tiny net; `extra` lines are appended (each field once).
std::string Solver(const std::string& dir, int max_iter, const std::string& extra = "",
                   const std::string& prefix = "snap/tiny", int test_interval = 5) {
  return "net: \"" + dir + "/net.prototxt\"\nbase_lr: 0.1\nlr_policy: \"fixed\"\nmax_iter: " +
         std::to_string(max_iter) + "\ndisplay: 1\ntest_iter: 2\ntest_interval: " + std::to_string(test_interval) +
         "\nsnapshot_prefix: \"" + dir + "/" + prefix + "\"\nrandom_seed: 3\n" + extra;
}

int LineCount(const std::string& s) {
  int lines = 0;
  for (char c : s) lines += c == '\n';
  return lines;
}

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir();
    Write(dir_ + "/net.prototxt", kNet);
  }
  int Run(const std::string& args, std::string* out) {
    return test::RunCommand(test::ToolPath() + " " + args, out);
  }
  std::string dir_;
};

TEST_F(TrainCli, TrainsSnapshotsResumesAndTests) {
  Write(dir_ + "/solver.prototxt", Solver(dir_, 10));
  std::string out;
  ASSERT_EQ(Run("train --solver=" + dir_ + "/solver.prototxt", &out), 0) << out;
  EXPECT_NE(out.find("Iteration 10, loss = "), std::string::npos) << out;
  EXPECT_NE(out.find("Test net output #0: accuracy = "), std::string::npos);
  EXPECT_NE(out.find("Iteration 5, lr = 0.1"), std::string::npos);
  EXPECT_NE(out.find("Final test net #0 (iteration 10): accuracy = "), std::string::npos);
  EXPECT_NE(out.find("CPU threads: "), std::string::npos) << out;
  EXPECT_NE(out.find("Peak resident memory: "), std::string::npos) << out;
  ASSERT_TRUE(test::PathExists(dir_ + "/snap/tiny_iter_10.caffemodel"));
  ASSERT_TRUE(test::PathExists(dir_ + "/snap/tiny_iter_10.solverstate"));

  // Resume to 15 from the snapshot, and fine-tune from its weights.
  Write(dir_ + "/solver15.prototxt", Solver(dir_, 15));
  ASSERT_EQ(Run("train --solver=" + dir_ + "/solver15.prototxt --snapshot=" + dir_ + "/snap/tiny_iter_10.solverstate",
                &out), 0) << out;
  EXPECT_NE(out.find("Resuming at iteration 10"), std::string::npos) << out;
  EXPECT_TRUE(test::PathExists(dir_ + "/snap/tiny_iter_15.caffemodel"));
  ASSERT_EQ(Run("train --solver=" + dir_ + "/solver.prototxt --weights=" + dir_ + "/snap/tiny_iter_10.caffemodel",
                &out), 0) << out;

  // debug_info shows each layer's norms forward, backward and after the update.
  Write(dir_ + "/debug.prototxt", Solver(dir_, 2, "debug_info: true\n", "dbg/tiny"));
  ASSERT_EQ(Run("train --solver=" + dir_ + "/debug.prototxt", &out), 0) << out;
  for (const char* what : {"[Forward] Layer fc", "[Backward] Layer fc", "[Update] Layer fc, param 0"})
    EXPECT_NE(out.find(what), std::string::npos) << what << "\n" << out;

  ASSERT_EQ(Run("test --model=" + dir_ + "/net.prototxt --weights=" + dir_ + "/snap/tiny_iter_15.caffemodel"
                " --iterations=3", &out), 0) << out;
  EXPECT_NE(out.find("Batch 2, accuracy = "), std::string::npos) << out;
  EXPECT_NE(out.find("precision"), std::string::npos) << out;
  EXPECT_NE(out.find("Confusion matrix"), std::string::npos) << out;
  // cnn test shares activation memory by default; the scores, the confusion
  // matrix and every per-batch line are the same without.
  std::string unshared;
  ASSERT_EQ(Run("test --model=" + dir_ + "/net.prototxt --weights=" + dir_ + "/snap/tiny_iter_15.caffemodel"
                " --iterations=3 --share_activations=false", &unshared), 0) << unshared;
  EXPECT_EQ(unshared, out);
}

TEST_F(TrainCli, BadInputIsOneLineAndExitOne) {
  std::string out;
  Write(dir_ + "/solver.prototxt", Solver(dir_, 5));
  const std::string solver = " --solver=" + dir_ + "/solver.prototxt";
  struct Case {
    std::string args;
    std::string expect;
  };
  Write(dir_ + "/nonet.prototxt", "base_lr: 0.1\nlr_policy: \"fixed\"\n");
  Write(dir_ + "/noiter.prototxt", "net: \"" + dir_ + "/net.prototxt\"\nbase_lr: 0.1\nlr_policy: \"fixed\"\n"
                                   "test_interval: 5\n");
  Write(dir_ + "/unwritable.prototxt", Solver(dir_, 5, "", "net.prototxt/x/y"));
  Write(dir_ + "/broken.solverstate", "not a solver state at all");
  const std::vector<Case> cases = {
      {"train", "--solver"},
      {"train --solver=" + dir_ + "/missing.prototxt", "missing.prototxt"},
      {"train --solver=" + dir_ + "/nonet.prototxt", "no train net"},
      {"train --solver=" + dir_ + "/unwritable.prototxt", "cannot write snapshots"},
      {"train" + solver + " --weights=a.caffemodel --snapshot=b.solverstate", "not both"},
      {"train" + solver + " --snapshot=" + dir_ + "/broken.solverstate", "broken.solverstate"},
      {"train" + solver + " --weights=" + dir_ + "/missing.caffemodel", "missing.caffemodel"},
      {"train" + solver + " --sigint_effect=explode", "sigint_effect"},
      {"test --model=" + dir_ + "/net.prototxt --weights=" + dir_ + "/broken.solverstate", "broken.solverstate"},
  };
  for (const auto& c : cases) {
    const int rc = Run(c.args + " --minloglevel=2", &out);
    EXPECT_EQ(rc, 1) << c.args << "\n" << out;
    EXPECT_EQ(LineCount(out), 1) << c.args << "\n" << out;
    EXPECT_NE(out.find("cnn: error: "), std::string::npos) << c.args << "\n" << out;
    EXPECT_NE(out.find(c.expect), std::string::npos) << c.args << "\n" << out;
  }
  // A solver with a test net but no test_iter names the problem.
  EXPECT_EQ(Run("train --minloglevel=2 --solver=" + dir_ + "/noiter.prototxt", &out), 1);
  EXPECT_NE(out.find("test_iter"), std::string::npos) << out;
}

TEST_F(TrainCli, InterruptSnapshotsAndStopsCleanly) {
  Write(dir_ + "/solver.prototxt", Solver(dir_, 100000000, "", "snap/tiny", 0));
  int pipe_fd[2];
  ASSERT_EQ(pipe(pipe_fd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(pipe_fd[1], 2);
    close(pipe_fd[0]);
    const std::string solver = "--solver=" + dir_ + "/solver.prototxt";
    execl(test::ToolPath().c_str(), "cnn", "train", solver.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fd[1]);
  // Wait until training is under way (its first progress line), then Ctrl-C.
  std::string seen;
  char buf[512];
  while (seen.find("Iteration 3,") == std::string::npos) {
    const ssize_t n = read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, n);
  }
  ASSERT_NE(seen.find("Iteration 3,"), std::string::npos) << seen;
  kill(pid, SIGINT);
  ssize_t n;
  while ((n = read(pipe_fd[0], buf, sizeof buf)) > 0) seen.append(buf, n);
  close(pipe_fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << seen;
  EXPECT_EQ(WEXITSTATUS(status), 0) << seen;
  EXPECT_NE(seen.find("Optimization stopped early"), std::string::npos) << seen;
  const auto at = seen.find("Snapshotting solver state to binary proto file ");
  ASSERT_NE(at, std::string::npos) << seen;
  const std::string state = seen.substr(at + 47, seen.find('\n', at) - at - 47);
  EXPECT_TRUE(test::PathExists(state)) << state;
}

}  // namespace
}  // namespace cnn
