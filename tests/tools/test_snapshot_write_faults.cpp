// A snapshot written where the disk fills up part-way: `cnn train` runs with
// RLIMIT_FSIZE below the size of one snapshot file (and SIGXFSZ ignored, so
// the write returns EFBIG as on a full disk instead of killing the process).
// The run must end with one line naming the file and exit 1, leave no
// temporary behind, and the previous snapshot must still load and resume.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

namespace fs = std::filesystem;

// 64 -> 100 inner product: 6,500 parameters, a caffemodel of ~26 KB and a
// momentum solverstate as big, both far above the 8 KB the limited run may write.
const char* kNet = R"(name: "wide"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 4 dim: 64 } shape { dim: 4 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 100 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)";

class SnapshotWriteFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir();
    std::ofstream(dir_ + "/net.prototxt") << kNet;
    fs::create_directories(dir_ + "/snap");
  }
  std::string Solver(int max_iter) {
    const std::string path = dir_ + "/solver" + std::to_string(max_iter) + ".prototxt";
    std::ofstream(path) << "net: \"" << dir_ << "/net.prototxt\"\nbase_lr: 0.01\nmomentum: 0.9\n"
                        << "lr_policy: \"fixed\"\nmax_iter: " << max_iter << "\nsnapshot: 2\ndisplay: 0\n"
                        << "snapshot_prefix: \"" << dir_ << "/snap/wide\"\nrandom_seed: 1\n";
    return path;
  }
  std::vector<std::string> Temporaries() const {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir_ + "/snap"))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
    return found;
  }
  std::string dir_;
};

TEST_F(SnapshotWriteFaults, AShortWriteIsOneLineAndThePreviousSnapshotResumes) {
  const test::ToolResult first = test::Cnn("train --minloglevel=2 --solver=" + Solver(4));
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string model4 = dir_ + "/snap/wide_iter_4.caffemodel";
  const std::string state4 = dir_ + "/snap/wide_iter_4.solverstate";
  ASSERT_TRUE(test::PathExists(model4) && test::PathExists(state4));
  struct stat st {};
  ASSERT_EQ(::stat(model4.c_str(), &st), 0);
  ASSERT_GT(st.st_size, 16 * 1024) << "the net is too small for the 8 KB limit to cut a write short";

  // ulimit -f counts 512-byte blocks in dash and 1024-byte ones in bash: 8
  // blocks is 4 or 8 KB, below one snapshot file either way.
  std::string out;
  const int status = test::RunCommand("trap '' XFSZ; ulimit -f 8; exec " + test::ToolPath() +
                                          " train --minloglevel=2 --solver=" + Solver(8) + " --snapshot=" + state4,
                                      &out);
  EXPECT_EQ(status, 1) << out;
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "not one line:\n" << out;
  EXPECT_EQ(out.rfind("cnn: error: cannot write " + dir_ + "/snap/wide_iter_6.caffemodel", 0), 0u) << out;
  EXPECT_NE(out.find("File too large"), std::string::npos) << out;
  EXPECT_TRUE(Temporaries().empty()) << Temporaries()[0];
  EXPECT_FALSE(test::PathExists(dir_ + "/snap/wide_iter_6.caffemodel"));
  EXPECT_FALSE(test::PathExists(dir_ + "/snap/wide_iter_6.solverstate"));

  // The snapshot before the failure is intact: it scores and it resumes.
  const test::ToolResult scored = test::Cnn("test --minloglevel=2 --model=" + dir_ + "/net.prototxt --weights=" +
                                            model4 + " --iterations=1");
  EXPECT_EQ(scored.status, 0) << scored.output;
  const test::ToolResult resumed =
      test::Cnn("train --minloglevel=2 --solver=" + Solver(8) + " --snapshot=" + state4);
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(test::PathExists(dir_ + "/snap/wide_iter_8.solverstate"));
  SolverState state;
  ReadProtoFromBinaryFile(dir_ + "/snap/wide_iter_8.solverstate", &state);
  EXPECT_EQ(state.iter(), 8);
  EXPECT_TRUE(Temporaries().empty());
}

}  // namespace
}  // namespace cnn
