// Every net and solver definition shipped with Caffe must read cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

namespace fs = std::filesystem;

TEST(ReferenceParse, EveryCaffePrototxtParses) {
  const std::string root = test::SharedPath("reference/caffe");
  if (!fs::is_directory(root)) GTEST_SKIP() << root << " is absent";
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".prototxt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no .prototxt under " << root;

  int nets = 0, solvers = 0;
  for (const std::string& path : files) {
    const std::string name = fs::path(path).filename().string();
    try {
      if (name.find("solver") != std::string::npos) {
        const SolverParameter solver = ReadSolverParamsFromTextFile(path);
        EXPECT_FALSE(solver.has_solver_type()) << path;
        EXPECT_TRUE(solver.has_base_lr()) << path;
        ++solvers;
      } else {
        const NetParameter net = ReadNetParamsFromTextFile(path);
        EXPECT_GT(net.layer_size(), 0) << path;
        EXPECT_EQ(net.layers_size(), 0) << path;
        EXPECT_EQ(net.input_size(), 0) << path;
        for (const LayerParameter& layer : net.layer()) EXPECT_FALSE(layer.type().empty()) << path;
        ++nets;
      }
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GT(nets, 0);
  EXPECT_GT(solvers, 0);
}

}  // namespace
}  // namespace cnn
