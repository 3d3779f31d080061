// `cnn time` and the thread and memory flags as a user meets them: the
// thread count it runs with and where it came from, the peak memory line,
// and --forward_only with the activation plan of a TEST net.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

double PeakMiB(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("Peak resident memory: ([0-9.]+) MiB"))) return -1;
  return std::stod(m[1]);
}

const std::string kDeploy = "models/cifar10_quick/deploy.prototxt";

TEST(TimeMemoryCli, ThreadsFlagAndPeakMemoryAreReported) {
  const ToolResult r = Cnn("time --model=" + SourcePath(kDeploy) + " --iterations=1 --warmup=0 --threads=2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "CPU (OpenBLAS, 2 threads from --threads)")) << r.output;
  EXPECT_GT(PeakMiB(r.output), 1.0) << r.output;
  // Without the flag OMP_NUM_THREADS decides.
  ToolResult env;
  env.status = RunCommand("OMP_NUM_THREADS=1 " + ToolPath() + " time --model=" + SourcePath(kDeploy) +
                              " --iterations=1 --warmup=0",
                          &env.output);
  ASSERT_EQ(env.status, 0) << env.output;
  EXPECT_TRUE(Contains(env.output, "1 threads from OMP_NUM_THREADS")) << env.output;
}

TEST(TimeMemoryCli, BadThreadCountIsOneLine) {
  const ToolResult r = Cnn("time --model=" + SourcePath(kDeploy) + " --threads=-3");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "cnn: error: --threads must be")) << r.output;
}

TEST(TimeMemoryCli, ForwardOnlyTestNetSharesActivations) {
  const std::string base = "time --model=" + SourcePath(kDeploy) + " --iterations=1 --warmup=0 --batch=50";
  const ToolResult shared = Cnn(base + " --phase=TEST --forward_only");
  ASSERT_EQ(shared.status, 0) << shared.output;
  EXPECT_TRUE(Contains(shared.output, "forward pass only")) << shared.output;
  EXPECT_TRUE(Contains(shared.output, "activations shared (--share_activations)")) << shared.output;
  EXPECT_TRUE(Contains(shared.output, "Average Backward pass: 0.000 ms.")) << shared.output;

  const ToolResult plain = Cnn(base + " --phase=TEST --forward_only --share_activations=false");
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_FALSE(Contains(plain.output, "activations shared")) << plain.output;
  // Backward needs every activation: a timed backward pass is never planned.
  const ToolResult backward = Cnn(base + " --phase=TEST");
  ASSERT_EQ(backward.status, 0) << backward.output;
  EXPECT_FALSE(Contains(backward.output, "activations shared")) << backward.output;
  EXPECT_FALSE(Contains(backward.output, "Average Backward pass: 0.000 ms.")) << backward.output;
}

}  // namespace
}  // namespace test
}  // namespace cnn
