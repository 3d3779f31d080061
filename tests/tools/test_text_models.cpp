// models/text_cnn and models/text_bow end to end on a tiny generated
// Packages file: data/debian_sections's converter builds the LMDBs, each
// model trains a few dozen iterations with its own solver (batch and lengths
// cut down), learns the (easy) generated task, and its deploy net, given the
// trained weights, classifies a new description through the vocabulary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

std::string Converter() {
  const std::filesystem::path tool(ToolPath());
  return (tool.parent_path().parent_path() / "data" / "debian_sections" / "make_debian_sections").string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Two sections told apart by their topic words among shared filler words.
void WritePackages(const std::string& path) {
  const std::vector<std::string> topic[2] = {{"tool", "command", "shell", "console", "terminal"},
                                             {"library", "shared", "runtime", "bindings", "headers"}};
  const std::vector<std::string> filler = {"for", "the", "and", "a", "of", "with", "simple", "fast"};
  std::ofstream out(path);
  uint32_t state = 12345;
  auto next = [&](uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  for (int p = 0; p < 300; ++p) {
    const int label = p % 2;
    std::string text;
    const int words = 3 + static_cast<int>(next(5));
    for (int w = 0; w < words; ++w) {
      const bool topical = w == 0 || next(3) == 0;
      const auto& pool = topical ? topic[label] : filler;
      text += (w ? " " : "") + pool[next(static_cast<uint32_t>(pool.size()))];
    }
    out << "Package: pkg" << p << "\nSection: " << (label ? "libs" : "utils") << "\nDescription: " << text << "\n\n";
  }
}

class TextModels : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_P(TextModels, LearnTheGeneratedSectionsAndDeployTakesTheWeights) {
  const std::string model = GetParam();
  WritePackages(Path("Packages"));
  std::string output;
  ASSERT_EQ(RunCommand(Converter() + " " + Path("set") + " " + Path("Packages") + " --sections=utils,libs", &output), 0)
      << output;
  int val_records = 0, test_records = 0;
  ASSERT_EQ(std::sscanf(output.substr(output.find("val: ")).c_str(), "val: %d", &val_records), 1) << output;
  ASSERT_EQ(std::sscanf(output.substr(output.find("test: ")).c_str(), "test: %d", &test_records), 1) << output;
  ASSERT_GT(val_records, 5) << output;
  ASSERT_GT(test_records, 10) << output;

  const std::string dir = "models/" + model + "/";
  std::string net = ReadBytes(SourcePath(dir + "train_val.prototxt"));
  net = Replace(net, "data/debian_sections/debian_sections_train_lmdb", Path("set/debian_sections_train_lmdb"));
  net = Replace(net, "data/debian_sections/debian_sections_val_lmdb", Path("set/debian_sections_val_lmdb"));
  net = Replace(net, "data/debian_sections/debian_sections_test_lmdb", Path("set/debian_sections_test_lmdb"));
  net = Replace(net, "batch_size: 50", "batch_size: 10");
  net = Replace(net, "batch_size: 73", "batch_size: 1");
  net = Replace(net, "batch_size: 80", "batch_size: 1");
  std::ofstream(Path("net.prototxt")) << net;
  std::string solver = ReadBytes(SourcePath(dir + "solver.prototxt"));
  solver = Replace(solver, "net: \"" + dir + "train_val.prototxt\"", "net: \"" + Path("net.prototxt") + "\"");
  solver = Replace(solver, "test_iter: 35", "test_iter: " + std::to_string(val_records));
  solver = Replace(solver, "test_iter: 61", "test_iter: " + std::to_string(test_records));
  solver = Replace(solver, "test_interval: 340", "test_interval: 60");
  solver = Replace(solver, "max_iter: 10200", "max_iter: 60");
  solver = Replace(solver, "snapshot: 10200", "snapshot: 60");
  solver = Replace(solver, dir + "snapshots/" + model, Path("snap"));
  std::ofstream(Path("solver.prototxt")) << solver;

  const ToolResult r = Cnn("train --solver=" + Path("solver.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  const size_t at = r.output.find("Final test net #0 (iteration 60): accuracy = ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double accuracy = std::atof(r.output.c_str() + at + std::string("Final test net #0 (iteration 60): accuracy = ").size());
  // Every description holds a topic word of its section: a model that learns anything gets nearly all.
  EXPECT_GE(accuracy, 0.9) << r.output;
  // Test net #0 is the validation split, #1 the test split; early stopping keeps the best by #0.
  const std::string test_line = "Final test net #1 (iteration 60): accuracy = ";
  const size_t at_test = r.output.find(test_line);
  ASSERT_NE(at_test, std::string::npos) << r.output;
  EXPECT_GE(std::atof(r.output.c_str() + at_test + test_line.size()), 0.9) << r.output;
  EXPECT_TRUE(PathExists(Path("snap_best.caffemodel"))) << r.output;

  // The deploy net reads ids as vocab.txt numbers them (line i is id i).
  std::map<std::string, int> ids;
  std::istringstream vocab(ReadBytes(Path("set/vocab.txt")));
  std::string line;
  for (int id = 0; std::getline(vocab, line); ++id) ids[line.substr(0, line.find('\t'))] = id;
  ASSERT_TRUE(ids.count("library") && ids.count("tool")) << ReadBytes(Path("set/vocab.txt"));
  Net deploy(ReadNetParamsFromTextFile(SourcePath(dir + "deploy.prototxt")));
  deploy.CopyTrainedLayersFromFile(Path("snap_iter_60.caffemodel"));
  EXPECT_TRUE(deploy.LayersWithoutTrainedWeights().empty());
  for (const auto& [words, label] : {std::make_pair(std::vector<std::string>{"a", "shared", "library"}, 1),
                                     std::make_pair(std::vector<std::string>{"fast", "shell", "tool"}, 0)}) {
    Blob* tokens = deploy.blob_by_name("tokens").get();
    ASSERT_EQ(tokens->shape(), (std::vector<int>{1, 1, 16}));
    float* t = tokens->mutable_cpu_data();
    for (int i = 0; i < 16; ++i) t[i] = i < static_cast<int>(words.size()) ? static_cast<float>(ids.at(words[i])) : 0.f;
    deploy.Forward();
    const Blob& prob = *deploy.blob_by_name("prob");
    ASSERT_EQ(prob.shape(), (std::vector<int>{1, 12}));
    float sum = 0;
    for (int k = 0; k < 12; ++k) sum += prob.cpu_data()[k];
    EXPECT_NEAR(sum, 1.f, 1e-5);
    EXPECT_GT(prob.cpu_data()[label], prob.cpu_data()[1 - label]) << words[2];
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TextModels, ::testing::Values("text_cnn", "text_bow"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace test
}  // namespace cnn
