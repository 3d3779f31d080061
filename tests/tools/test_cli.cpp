// The `cnn` command as a user meets it: usage, errors (one line, exit status
// exactly 1, never a crash) and `cnn time` on small and reference nets.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/gpu_check.hpp"
#include "support/test_support.hpp"
#include "support/tool_output.hpp"

namespace cnn {
namespace test {
namespace {

using Result = ToolResult;

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A user error: status 1 (a crash reads as 128+signal), one line, prefixed.
void ExpectOneLineError(const Result& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_FALSE(Contains(r.output, "core dumped")) << r.output;
  EXPECT_FALSE(Contains(r.output, "Check failed")) << r.output;
  const auto lines = NonEmptyLines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("cnn: error: ", 0), 0u) << lines[0];
  for (const auto& p : parts) EXPECT_TRUE(Contains(lines[0], p)) << "expected '" << p << "' in: " << lines[0];
}

void ExpectSummary(const Result& r) {
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* line : {"Average Forward pass: ", "Average Backward pass: ", "Average Forward-Backward: "}) {
    EXPECT_TRUE(std::regex_search(r.output, std::regex(std::string(line) + "[0-9]+\\.[0-9]+ ms")))
        << "no '" << line << "X ms' in:\n" << r.output;
  }
  EXPECT_TRUE(std::regex_search(r.output, std::regex("Images/s: [0-9]+\\.[0-9]"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("Total time for [0-9]+ iterations: [0-9.]+ ms"))) << r.output;
}

// The table has one row per layer, starting with its name.
bool HasRow(const std::string& output, const std::string& layer) {
  return std::regex_search(output, std::regex("(^|\n)" + layer + " +[A-Za-z]"));
}

// No loss layer: timing must force the backward pass.
const char* kTinyDeploy = R"(
name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc"
        inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
)";

// A loss fed by an Input top named "label" (labels must stay below 5), and a
// TEST-only layer that reads the label too (so the net splits it).
const char* kTinyTrainTest = R"(
name: "tiny_loss"
layer { name: "input" type: "Input" top: "data" top: "label"
        input_param { shape { dim: 4 dim: 3 dim: 6 dim: 6 } shape { dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
layer { name: "test_only" type: "Accuracy" bottom: "fc" bottom: "label" top: "accuracy" include { phase: TEST } }
)";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  std::string dir_;
};

TEST(Cli, HelpListsTheCommands) {
  for (const char* args : {"--help", "help", "-h"}) {
    const Result r = Cnn(args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.output;
    for (const char* command : {"time", "device_query", "version", "help"}) {
      EXPECT_TRUE(std::regex_search(r.output, std::regex(std::string("\n +") + command + " +[a-z]")))
          << args << " does not list " << command << ":\n" << r.output;
    }
    // Our usage, not gflags' list of every flag of every library.
    EXPECT_FALSE(Contains(r.output, "logtostderr")) << r.output;
  }
}

TEST(Cli, NoArgumentsPrintsUsageAndFails) {
  const Result r = Cnn("");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(Contains(r.output, "usage: cnn COMMAND")) << r.output;
  EXPECT_TRUE(Contains(r.output, "device_query")) << r.output;
}

TEST(Cli, HelpForACommandListsItsFlags) {
  for (const char* args : {"help time", "time --help"}) {
    const Result r = Cnn(args);
    EXPECT_EQ(r.status, 0) << r.output;
    for (const char* flag : {"--model", "--iterations", "--phase", "--warmup", "--batch", "--gpu"}) {
      EXPECT_TRUE(Contains(r.output, flag)) << args << " lacks " << flag << ":\n" << r.output;
    }
    EXPECT_FALSE(Contains(r.output, "--logtostderr")) << r.output;
  }
  ExpectOneLineError(Cnn("help frobnicate"), {"unknown command 'frobnicate'"});
}

TEST(Cli, UnknownCommandFailsWithUsage) {
  const Result r = Cnn("frobnicate");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "cnn: unknown command 'frobnicate'")) << r.output;
  EXPECT_TRUE(Contains(r.output, "usage: cnn COMMAND")) << r.output;
  EXPECT_TRUE(Contains(r.output, "time")) << r.output;
}

TEST(Cli, UnknownFlagFails) {
  const Result r = Cnn("time --no_such_flag=3");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "no_such_flag")) << r.output;
}

TEST(Cli, PositionalArgumentIsRejected) {
  ExpectOneLineError(Cnn("time net.prototxt"), {"net.prototxt", "--name=value"});
}

TEST(Cli, VersionShowsTheBuildOptions) {
  const Result r = Cnn("version");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("^cnn [0-9]+\\.[0-9]+"))) << r.output;
  for (const char* part : {"BLAS: OpenBLAS", "CUDA: ", "cuDNN: ", "oneDNN: ", "OpenCV: ", "protobuf: "}) {
    EXPECT_TRUE(Contains(r.output, part)) << part << " missing:\n" << r.output;
  }
#ifdef CNN_WITH_CUDA
  EXPECT_TRUE(Contains(r.output, "CUDA: on")) << r.output;
#else
  EXPECT_TRUE(Contains(r.output, "CUDA: off")) << r.output;
#endif
}

TEST(Cli, DeviceQuery) {
  const Result r = Cnn("device_query");
#ifdef CNN_WITH_CUDA
  // With no GPU on this machine the answer is an error line, never a crash.
  if (r.status == 0) {
    for (const char* part : {"Compute capability: ", "Total memory: ", "CUDA runtime version: ", "cuBLAS version: "}) {
      EXPECT_TRUE(Contains(r.output, part)) << part << " missing:\n" << r.output;
    }
  } else {
    ExpectOneLineError(r, {});
  }
  ExpectOneLineError(Cnn("device_query --gpu=999"), {"999"});
#else
  ExpectOneLineError(r, {"built without CUDA", "-DCNN_WITH_CUDA=ON"});
#endif
}

TEST_F(CliTest, TimeNeedsAModel) { ExpectOneLineError(Cnn("time"), {"--model"}); }

TEST_F(CliTest, TimeOnAMissingFileNamesIt) {
  const std::string path = dir_ + "/no_such_net.prototxt";
  ExpectOneLineError(Cnn("time --model=" + path), {path});
}

TEST_F(CliTest, TimeOnAMalformedFileGivesLineAndColumn) {
  const std::string path = WriteFile(dir_, "bad.prototxt",
                                     "name: \"bad\"\n"
                                     "layer { name: \"data\" type: \"Input\" top: \"data\"\n"
                                     "  input_param { shape { dim: 1 dim: 2 } }\n"
                                     "  no_such_field: 3\n"
                                     "}\n");
  const Result r = Cnn("time --model=" + path);
  ExpectOneLineError(r, {path + ":4:"});
  EXPECT_TRUE(std::regex_search(r.output, std::regex(path + ":4:[0-9]+"))) << r.output;
}

TEST_F(CliTest, TimeOnAnUnknownLayerTypeNamesTheLayer) {
  const std::string path = WriteFile(dir_, "net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "mystery" type: "NoSuchLayerType" bottom: "data" top: "out" }
)");
  ExpectOneLineError(Cnn("time --model=" + path), {"mystery", "NoSuchLayerType"});
}

TEST_F(CliTest, TimeOnABottomNoLayerProducesNamesIt) {
  const std::string path = WriteFile(dir_, "net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "dtaa" top: "fc" inner_product_param { num_output: 3 } }
)");
  const Result r = Cnn("time --model=" + path);
  ExpectOneLineError(r, {"fc", "dtaa"});
  EXPECT_FALSE(Contains(r.output, "unknown type")) << r.output;
}

TEST_F(CliTest, TimeOnAKernelLargerThanItsInputNamesTheLayer) {
  const std::string path = WriteFile(dir_, "net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 3 dim: 3 } } }
layer { name: "too_big" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 2 kernel_size: 5 } }
)");
  const Result r = Cnn("time --model=" + path);
  ExpectOneLineError(r, {"too_big", "kernel"});
  EXPECT_FALSE(Contains(r.output, "unknown type")) << r.output;
}

// Regression (reliability issue, item 4): running out of CPU memory was
// "std::bad_alloc", naming neither the layer nor the size. The address space
// is capped so that the 4.5 GiB top cannot be had on any machine.
TEST_F(CliTest, OutOfCpuMemoryNamesTheLayerTheBlobAndTheSize) {
  const std::string path = WriteFile(dir_, "net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 20 dim: 20 } } }
layer { name: "huge" type: "Convolution" bottom: "data" top: "huge"
        convolution_param { num_output: 3000000 kernel_size: 1 } }
layer { name: "pool" type: "Pooling" bottom: "huge" top: "pool" pooling_param { pool: AVE global_pooling: true } }
)");
  std::string output;
#ifdef CNN_TEST_UNDER_ASAN
  // AddressSanitizer reserves terabytes of shadow address space at start-up,
  // which ulimit -v forbids; its own cap on one allocation fails the same way.
  const std::string limit = "ASAN_OPTIONS=\"$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=2048\"";
#else
  const std::string limit = "ulimit -v 2097152;";
#endif
  const int status =
      RunCommand(limit + " exec '" + ToolPath() + "' time --iterations=1 --model=" + path, &output);
  EXPECT_EQ(status, 1) << output;
  // The net's description comes first; the error is the last line.
  const auto lines = NonEmptyLines(output);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "cnn: error: layer 'huge' (Convolution): forward: blob 'huge' data: out of CPU memory: asked for 4577.6 "
            "MiB (4800000000 bytes); try a smaller batch_size, or a larger iter_size with a proportionally smaller "
            "batch")
      << output;
}

TEST_F(CliTest, TimeRejectsBadFlagValues) {
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  ExpectOneLineError(Cnn("time --model=" + path + " --phase=VAL"), {"--phase", "VAL"});
  ExpectOneLineError(Cnn("time --model=" + path + " --iterations=0"), {"--iterations"});
  ExpectOneLineError(Cnn("time --model=" + path + " --warmup=-1"), {"--warmup"});
#ifndef CNN_WITH_CUDA
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=0"), {"built without CUDA"});
#endif
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=all"), {"--gpu=all", "for cnn train only"});
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=0,1"), {"--gpu=0,1", "for cnn train only"});
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=first"), {"device number"});
  ExpectOneLineError(Cnn("time --model=" + path + " --engine=MKL"), {"--engine must be CAFFE, DNNL or DEFAULT", "MKL"});
  // cuDNN has its own choice on the GPU; the flag is about the CPU kernels.
  ExpectOneLineError(Cnn("time --model=" + path + " --engine=CUDNN"), {"--engine must be"});
#ifndef CNN_WITH_DNNL
  ExpectOneLineError(Cnn("time --model=" + path + " --engine=DNNL"), {"--engine=DNNL", "no oneDNN"});
#endif
}

// Every engine the build has runs the tiny net (conv, relu, pool, fc) to the end.
TEST_F(CliTest, TimeEngineFlag) {
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  std::vector<std::string> engines = {"CAFFE", "DEFAULT"};
#ifdef CNN_WITH_DNNL
  engines.push_back("DNNL");
#endif
  for (const std::string& engine : engines) {
    SCOPED_TRACE(engine);
    ExpectSummary(Cnn("time --model=" + path + " --iterations=2 --engine=" + engine));
  }
}

#ifdef CNN_WITH_CUDA
TEST_F(CliTest, GpuOnAMachineWithoutOneIsAClearError) {
  if (test::HasGpu()) GTEST_SKIP() << "this machine has a GPU";
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=0"), {"GPU 0", "CUDA device"});
}
#endif

TEST_F(CliTest, TimeOnTheGpuReportsDeviceAndMemory) {
  SKIP_WITHOUT_GPU();
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  const Result r = Cnn("time --model=" + path + " --gpu=0 --iterations=3");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "GPU 0")) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("Peak GPU memory: [0-9.]+ MiB in use"))) << r.output;
  ExpectOneLineError(Cnn("time --model=" + path + " --gpu=999"), {"GPU 999", "does not exist"});
}

TEST_F(CliTest, TimeOnATinyNetWithoutLossForcesBackward) {
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  for (const char* phase : {"", " --phase=TEST"}) {
    const Result r = Cnn("time --model=" + path + " --iterations=3" + phase);
    ExpectSummary(r);
    EXPECT_TRUE(Contains(r.output, "net has no loss: backward timed from the outputs through every layer "
                                   "(force_backward)"))
        << r.output;
    EXPECT_TRUE(Contains(r.output, std::string("phase ") + (*phase ? "TEST" : "TRAIN"))) << r.output;
    EXPECT_TRUE(Contains(r.output, "batch 2")) << r.output;
    for (const char* layer : {"data", "conv", "relu", "pool", "fc", "prob"}) {
      EXPECT_TRUE(HasRow(r.output, layer)) << "no row for " << layer << ":\n" << r.output;
    }
    EXPECT_TRUE(Contains(r.output, "2x4x6x6")) << r.output;  // conv's top shape
    EXPECT_TRUE(Contains(r.output, "Total time for 3 iterations")) << r.output;
  }
}

TEST_F(CliTest, TimeOnANetWithLossUsesItAndFiltersByPhase) {
  const std::string path = WriteFile(dir_, "tiny_loss.prototxt", kTinyTrainTest);
  Result r = Cnn("time --model=" + path + " --iterations=2");
  ExpectSummary(r);
  EXPECT_FALSE(Contains(r.output, "force_backward")) << r.output;
  EXPECT_TRUE(HasRow(r.output, "loss")) << r.output;
  EXPECT_FALSE(HasRow(r.output, "test_only")) << r.output;

  r = Cnn("time --model=" + path + " --iterations=2 --phase=TEST");
  ExpectSummary(r);
  EXPECT_TRUE(HasRow(r.output, "test_only")) << r.output;
}

TEST_F(CliTest, TimeBatchFlagResizesTheInputs) {
  const std::string path = WriteFile(dir_, "tiny.prototxt", kTinyDeploy);
  const Result r = Cnn("time --model=" + path + " --iterations=1 --warmup=0 --batch=3");
  ExpectSummary(r);
  EXPECT_TRUE(Contains(r.output, "batch 3")) << r.output;
  EXPECT_TRUE(Contains(r.output, "3x4x6x6")) << r.output;
}

TEST(Cli, TimeOnOurLeNetDeploy) {
  const Result r = Cnn("time --model=" + SourcePath("models/lenet/deploy.prototxt") + " --iterations=1");
  ExpectSummary(r);
  EXPECT_TRUE(Contains(r.output, "batch 64")) << r.output;
  EXPECT_TRUE(Contains(r.output, "64x50x8x8")) << r.output;  // conv2
  EXPECT_TRUE(Contains(r.output, "64x10")) << r.output;
}

TEST(Cli, TimeOnTheReferenceLeNet) {
  const std::string path = SharedPath("reference/caffe/examples/mnist/lenet.prototxt");
  if (!PathExists(path)) GTEST_SKIP() << path << " is absent";
  const Result r = Cnn("time --model=" + path + " --iterations=2");
  ExpectSummary(r);
  for (const char* layer : {"data", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "prob"}) {
    EXPECT_TRUE(HasRow(r.output, layer)) << "no row for " << layer << ":\n" << r.output;
  }
  EXPECT_TRUE(Contains(r.output, "force_backward")) << r.output;
}

}  // namespace
}  // namespace test
}  // namespace cnn
