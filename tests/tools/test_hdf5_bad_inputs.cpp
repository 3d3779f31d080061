// The HDF5 bad inputs of issue #9 as a user meets them: `cnn train` on a net
// whose HDF5Data source is wrong in one way each, and HDF5 weights that are
// not what they claim. Each answers exit 1 and one "cnn: error: " line
// naming the file (and the dataset where one is at fault).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cnn/io/hdf5_file.hpp"
#include "support/hdf5_python.hpp"
#include "support/test_support.hpp"
#include "support/tool_output.hpp"

namespace cnn {
namespace {

struct Case {
  std::string name;
  // Writes the case's files into dir; returns the source list's path.
  std::string (*make)(const std::string& dir);
  std::vector<std::string> must_name;  // with "DIR" standing for the case's directory
};

void Write(const std::string& path, const std::vector<std::pair<std::string, std::vector<int64_t>>>& datasets) {
  hdf5::File f = hdf5::File::Create(path);
  for (const auto& [name, shape] : datasets) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const std::vector<float> v(static_cast<size_t>(n), 0.f);
    f.WriteFloats(name, shape, v.data());
  }
  f.Close();
}

std::string List(const std::string& dir, const std::string& lines) {
  std::ofstream(dir + "/list.txt") << lines;
  return dir + "/list.txt";
}

const std::vector<Case> kCases = {
    {"DatasetMissingForATop",
     [](const std::string& dir) {
       Write(dir + "/a.h5", {{"data", {4, 3}}, {"labels", {4}}});
       return List(dir, dir + "/a.h5\n");
     },
     {"DIR/a.h5: no dataset 'label'", "datasets data, labels"}},
    {"FirstDimensionsDisagree",
     [](const std::string& dir) {
       Write(dir + "/a.h5", {{"data", {4, 3}}, {"label", {5}}});
       return List(dir, dir + "/a.h5\n");
     },
     {"DIR/a.h5: datasets 'data' (4 rows) and 'label' (5 rows) disagree"}},
    {"MissingFileInTheList",
     [](const std::string& dir) {
       Write(dir + "/a.h5", {{"data", {4, 3}}, {"label", {4}}});
       return List(dir, dir + "/a.h5\n" + dir + "/b.h5\n");
     },
     {"DIR/list.txt' line 2", "DIR/b.h5: cannot open the HDF5 file"}},
    {"EmptyList", [](const std::string& dir) { return List(dir, "\n"); },
     {"the HDF5 file list 'DIR/list.txt' names no files"}},
    {"NotAnHdf5File",
     [](const std::string& dir) {
       std::ofstream(dir + "/a.h5") << "plain text\n";
       return List(dir, dir + "/a.h5\n");
     },
     {"DIR/a.h5: not an HDF5 file"}},
};

std::string Replace(std::string s, const std::string& dir) {
  for (size_t at; (at = s.find("DIR")) != std::string::npos;) s.replace(at, 3, dir);
  return s;
}

void ExpectOneErrorLine(const test::ToolResult& r, const std::vector<std::string>& must_name) {
  EXPECT_EQ(r.status, 1) << r.output;
  const std::vector<std::string> errors = test::LinesWith(r.output, "error:");
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_EQ(errors[0].rfind("cnn: error: ", 0), 0u) << errors[0];
  for (const std::string& part : must_name) EXPECT_NE(errors[0].find(part), std::string::npos) << errors[0];
}

TEST(Hdf5BadInputs, EachBadSourceIsOneErrorLineAndExit1) {
  SKIP_WITHOUT_HDF5();
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const std::string dir = test::MakeTempDir();
    const std::string list = c.make(dir);
    std::ofstream(dir + "/net.prototxt")
        << "layer { name: 'h5' type: 'HDF5Data' top: 'data' top: 'label' hdf5_data_param { source: '" << list
        << "' batch_size: 2 } }\n"
        << "layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { num_output: 2 } }\n"
        << "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }\n";
    std::ofstream(dir + "/solver.prototxt") << "net: '" << dir << "/net.prototxt' base_lr: 0.1 lr_policy: 'fixed' "
                                            << "max_iter: 1 snapshot_after_train: false\n";
    std::vector<std::string> must;
    for (const std::string& part : c.must_name) must.push_back(Replace(part, dir));
    must.push_back("layer 'h5' (HDF5Data)");
    ExpectOneErrorLine(test::Cnn("train --solver='" + dir + "/solver.prototxt'"), must);
  }
}

TEST(Hdf5BadInputs, WeightsThatAreNotHdf5) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  std::ofstream(dir + "/net.prototxt")
      << "layer { name: 'in' type: 'Input' top: 'x' input_param { shape { dim: 1 dim: 2 } } }\n"
      << "layer { name: 'ip' type: 'InnerProduct' bottom: 'x' top: 'ip' inner_product_param { num_output: 2 } }\n";
  std::ofstream(dir + "/w.caffemodel.h5") << "not hdf5\n";
  ExpectOneErrorLine(test::Cnn("test --model='" + dir + "/net.prototxt' --weights='" + dir +
                               "/w.caffemodel.h5' --iterations=1"),
                     {dir + "/w.caffemodel.h5: not an HDF5 file"});
}

}  // namespace
}  // namespace cnn
