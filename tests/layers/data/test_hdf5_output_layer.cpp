// HDF5Output: what it writes read back by us and by h5py (Caffe's dataset
// names, a batch appended per Forward, the file complete once the layer is
// gone); bad parameters; and a net in the style of Caffe's HDF5
// classification example (HDF5Data -> InnerProduct -> SoftmaxWithLoss, with
// an HDF5Output of the scores) that builds and trains.
#include "cnn/layers/data/hdf5_output_layer.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/data_layer_check.hpp"
#include "support/hdf5_python.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

std::string OutputText(const std::string& file) {
  return "name: 'out' type: 'HDF5Output' bottom: 'x' bottom: 'y' hdf5_output_param { file_name: '" + file + "' }";
}

TEST(HDF5OutputLayer, WritesDataAndLabelAppendingEveryForward) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  const std::string path = dir + "/out.h5";
  Blob x(std::vector<int>{2, 3, 2}), y(std::vector<int>{2});
  {
    auto layer = test::MakeLayer(OutputText(path));
    layer->SetUp({&x, &y}, {});
    for (int pass = 0; pass < 3; ++pass) {
      for (int i = 0; i < x.count(); ++i) x.mutable_cpu_data()[i] = pass * 100.f + i;
      for (int i = 0; i < 2; ++i) y.mutable_cpu_data()[i] = pass * 2.f + i;
      layer->Forward({&x, &y}, {});
    }
    EXPECT_EQ(static_cast<HDF5OutputLayer&>(*layer).rows_written(), 6);
  }
  const hdf5::File f = hdf5::File::Open(path);
  EXPECT_EQ(f.AllDatasets(), (std::vector<std::string>{"data", "label"}));
  std::vector<int64_t> shape;
  const std::vector<float> data = f.ReadFloats("data", &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{6, 3, 2}));
  for (int pass = 0; pass < 3; ++pass)
    for (int i = 0; i < 12; ++i) EXPECT_EQ(data[pass * 12 + i], pass * 100.f + i);
  EXPECT_EQ(f.ReadFloats("label", &shape), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(shape, (std::vector<int64_t>{6}));

  if (!test::HaveH5py()) return;
  std::string out;
  EXPECT_EQ(test::RunPython(dir, "check", R"(
f = h5py.File(')" + path + R"(', 'r')
assert sorted(f.keys()) == ['data', 'label']
d, l = f['data'][()], f['label'][()]
assert d.dtype == np.float32 and d.shape == (6, 3, 2), d.shape
assert d[5, 2, 1] == 211 and list(l) == [0, 1, 2, 3, 4, 5]
print('ok')
)", &out), 0) << out;
}

TEST(HDF5OutputLayer, BadParametersAndShapes) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  Blob x(std::vector<int>{2, 3}), y(std::vector<int>{3});
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(OutputText(dir + "/a.h5"))->SetUp({&x, &y}, {}); }),
            "layer 'out' (HDF5Output): data has 2 rows, label 3; they must agree");
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(OutputText(""))->SetUp({&x, &y}, {}); }),
            "layer 'out' (HDF5Output): hdf5_output_param.file_name is not set");
  const std::string error = ErrorOf([&] { test::MakeLayer(OutputText(dir + "/no/dir/a.h5"))->SetUp({&x, &y}, {}); });
  EXPECT_EQ(error.rfind("layer 'out' (HDF5Output): " + dir + "/no/dir/a.h5: cannot create the HDF5 file", 0), 0u)
      << error;
}

// Caffe's examples/hdf5_classification in miniature: 4-feature rows whose
// class is the largest feature; HDF5Data feeds an InnerProduct and a
// SoftmaxWithLoss, an HDF5Output records the scores and labels it saw.
TEST(HDF5OutputLayer, CaffeStyleHdf5ClassificationNetTrains) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  {
    hdf5::File f = hdf5::File::Create(dir + "/train.h5");
    std::vector<float> data, label;
    uint32_t state = 12345;
    for (int r = 0; r < 40; ++r) {
      int best = 0;
      float best_v = -1;
      for (int k = 0; k < 4; ++k) {
        state = state * 1664525u + 1013904223u;
        const float v = static_cast<float>(state >> 8) / (1 << 24);
        data.push_back(v);
        if (v > best_v) best_v = v, best = k;
      }
      label.push_back(static_cast<float>(best));
    }
    f.WriteFloats("data", {40, 4}, data.data());
    f.WriteFloats("label", {40}, label.data());
  }
  std::ofstream(dir + "/train.txt") << dir << "/train.h5\n";
  const std::string net =
      "name: 'hdf5_classification' "
      "layer { name: 'data' type: 'HDF5Data' top: 'data' top: 'label' hdf5_data_param { source: '" + dir +
      "/train.txt' batch_size: 10 shuffle: true } } "
      "layer { name: 'fc1' type: 'InnerProduct' bottom: 'data' top: 'fc1' inner_product_param { num_output: 4 "
      "weight_filler { type: 'xavier' } } } "
      "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'fc1' bottom: 'label' top: 'loss' } "
      "layer { name: 'out' type: 'HDF5Output' bottom: 'fc1' bottom: 'label' hdf5_output_param { file_name: '" + dir +
      "/scores.h5' } }";
  SolverParameter p;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(net, p.mutable_net_param()));
  p.set_type("SGD");
  p.set_base_lr(0.2f);
  p.set_momentum(0.9f);
  p.set_lr_policy("fixed");
  p.set_max_iter(40);
  p.set_random_seed(1);
  {
    auto solver = SolverRegistry::Create(p);
    solver->Step(1);
    const float first = solver->smoothed_loss();
    solver->Step(39);
    EXPECT_LT(solver->smoothed_loss(), first);
  }
  const hdf5::File f = hdf5::File::Open(dir + "/scores.h5");
  EXPECT_EQ(f.Shape("data"), (std::vector<int64_t>{400, 4}));
  EXPECT_EQ(f.Shape("label"), (std::vector<int64_t>{400}));
}

}  // namespace
}  // namespace cnn
