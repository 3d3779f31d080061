// HDF5Data: files written by h5py (float and double) and by our writer read
// back batch by batch with known values; several N-D tops; batches across
// files and around the list; shuffling repeatable under the seed; resume
// exact mid-epoch (layer and whole training run); bad files one line each.
#include "cnn/layers/data/hdf5_data_layer.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/hdf5_python.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

// Row g (numbered over all files in list order): data (2,3) with element k
// = g*10 + k/4, label g, aux (4) with element k = -g - k. All exact in float.
float DataValue(int g, int k) { return g * 10.f + k * 0.25f; }
float AuxValue(int g, int k) { return static_cast<float>(-g - k); }

// Writes rows [first, first + n) of every dataset to `path` with our writer.
void WriteRows(const std::string& path, int first, int n) {
  hdf5::File f = hdf5::File::Create(path);
  std::vector<float> data, label, aux;
  for (int g = first; g < first + n; ++g) {
    for (int k = 0; k < 6; ++k) data.push_back(DataValue(g, k));
    label.push_back(static_cast<float>(g));
    for (int k = 0; k < 4; ++k) aux.push_back(AuxValue(g, k));
  }
  f.WriteFloats("data", {n, 2, 3}, data.data());
  f.WriteFloats("label", {n}, label.data());
  f.WriteFloats("aux", {n, 4}, aux.data());
  f.Close();
}

// dir/a.h5 (rows 0-4), dir/b.h5 (rows 5-7), and dir/list.txt naming them
// (with a blank line and stray spaces, which are ignored).
struct Files {
  std::string dir = test::MakeTempDir();
  std::string list = dir + "/list.txt";
  explicit Files(bool h5py = false) {
    if (h5py) {
      // a.h5 in float32, b.h5 in float64 with an integer label: Caffe's users write both.
      std::string out;
      EXPECT_EQ(test::RunPython(dir, "write", R"(
def rows(first, n, dtype, label_dtype):
    g = np.arange(first, first + n)
    data = (g[:, None] * 10.0 + np.arange(6)[None, :] * 0.25).reshape(n, 2, 3).astype(dtype)
    aux = (-g[:, None] - np.arange(4)[None, :]).astype(dtype)
    return data, g.astype(label_dtype), aux
for name, first, n, dt, lt in (('a', 0, 5, np.float32, np.float32), ('b', 5, 3, np.float64, np.int32)):
    d, l, x = rows(first, n, dt, lt)
    with h5py.File(')" + dir + R"(/' + name + '.h5', 'w') as f:
        f['data'] = d
        f['label'] = l
        f['aux'] = x
)", &out), 0) << out;
    } else {
      WriteRows(dir + "/a.h5", 0, 5);
      WriteRows(dir + "/b.h5", 5, 3);
    }
    std::ofstream(list) << dir << "/a.h5\n\n  " << dir << "/b.h5  \n";
  }
};

std::string LayerText(const std::string& list, int batch, const std::string& extra = "",
                      const std::string& tops = "top: 'data' top: 'label'") {
  return "name: 'h5' type: 'HDF5Data' " + tops + " hdf5_data_param { source: '" + list +
         "' batch_size: " + std::to_string(batch) + " " + extra + " }";
}

// The data and label batches rows `g` make.
std::vector<float> DataOfRows(const std::vector<int>& rows) {
  std::vector<float> out;
  for (int g : rows)
    for (int k = 0; k < 6; ++k) out.push_back(DataValue(g, k));
  return out;
}
std::vector<float> LabelsOf(const std::vector<int>& rows) { return std::vector<float>(rows.begin(), rows.end()); }

void ExpectListOrder(const Files& files) {
  auto layer = test::MakeLayer(LayerText(files.list, 3));
  test::DataTops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{3, 2, 3}));
  EXPECT_EQ(tops.label.shape(), (std::vector<int>{3}));
  // 8 rows in batches of 3: across the file boundary, then around the list.
  const std::vector<std::vector<int>> batches = {{0, 1, 2}, {3, 4, 5}, {6, 7, 0}, {1, 2, 3}, {4, 5, 6}, {7, 0, 1}};
  for (const auto& rows : batches) {
    layer->Forward({}, tops.vec());
    EXPECT_EQ(test::DataOf(tops.data), DataOfRows(rows));
    EXPECT_EQ(test::DataOf(tops.label), LabelsOf(rows));
  }
}

TEST(HDF5DataLayer, ReadsH5pyFilesInFloatAndDoubleBatchByBatch) {
  SKIP_WITHOUT_H5PY();
  ExpectListOrder(Files(/*h5py=*/true));
}

TEST(HDF5DataLayer, ReadsOurOwnFilesBatchByBatch) {
  SKIP_WITHOUT_HDF5();
  ExpectListOrder(Files());
}

TEST(HDF5DataLayer, AnyNumberOfTopsEachFromItsDataset) {
  SKIP_WITHOUT_HDF5();
  Files files;
  auto layer = test::MakeLayer(LayerText(files.list, 2, "", "top: 'aux' top: 'label' top: 'data'"));
  Blob aux, label, data;
  const BlobVec tops = {&aux, &label, &data};
  layer->SetUp({}, tops);
  EXPECT_EQ(aux.shape(), (std::vector<int>{2, 4}));
  EXPECT_EQ(data.shape(), (std::vector<int>{2, 2, 3}));
  for (int batch = 0; batch < 5; ++batch) {
    layer->Forward({}, tops);
    std::vector<float> expected_aux;
    std::vector<int> rows;
    for (int i = 0; i < 2; ++i) {
      const int g = (batch * 2 + i) % 8;
      rows.push_back(g);
      for (int k = 0; k < 4; ++k) expected_aux.push_back(AuxValue(g, k));
    }
    EXPECT_EQ(test::DataOf(aux), expected_aux);
    EXPECT_EQ(test::DataOf(label), LabelsOf(rows));
    EXPECT_EQ(test::DataOf(data), DataOfRows(rows));
  }
}

// Two passes of 8 rows, in batches of 4, as a list of row numbers.
std::vector<int> ShuffledRows(const std::string& list, uint64_t seed) {
  Context::set_random_seed(seed);
  auto layer = test::MakeLayer(LayerText(list, 4, "shuffle: true"));
  test::DataTops tops;
  layer->SetUp({}, tops.vec());
  std::vector<int> rows;
  for (int b = 0; b < 4; ++b) {
    layer->Forward({}, tops.vec());
    const std::vector<float> labels = test::DataOf(tops.label);
    std::vector<int> batch(labels.begin(), labels.end());
    // Rows stay whole: each row's data is its own.
    EXPECT_EQ(test::DataOf(tops.data), DataOfRows(batch));
    rows.insert(rows.end(), batch.begin(), batch.end());
  }
  return rows;
}

TEST(HDF5DataLayer, ShuffleDrawsFileAndRowOrdersEveryPassRepeatablyUnderTheSeed) {
  SKIP_WITHOUT_HDF5();
  Files files;
  const std::vector<int> rows = ShuffledRows(files.list, 3);
  EXPECT_EQ(rows, ShuffledRows(files.list, 3));
  EXPECT_NE(rows, ShuffledRows(files.list, 4));
  const std::vector<int> first(rows.begin(), rows.begin() + 8), second(rows.begin() + 8, rows.end());
  for (const auto& pass : {first, second}) {
    // Every row once per pass, and a file's rows together (files are not interleaved).
    EXPECT_EQ(std::set<int>(pass.begin(), pass.end()).size(), 8u);
    const bool a_first = pass[0] < 5;
    for (int i = 0; i < 8; ++i) EXPECT_EQ(pass[i] < 5, a_first ? i < 5 : i >= 3) << i;
  }
  EXPECT_NE(first, second);
  std::vector<int> in_order(8);
  for (int i = 0; i < 8; ++i) in_order[i] = i;
  EXPECT_NE(first, in_order);
}

TEST(HDF5DataLayer, ResumesExactlyMidEpochWithShuffle) {
  SKIP_WITHOUT_HDF5();
  Files files;
  test::CheckResume(LayerText(files.list, 3, "shuffle: true"));
  test::CheckResume(LayerText(files.list, 3));
}

TEST(HDF5DataLayer, RejectsAForeignState) {
  SKIP_WITHOUT_HDF5();
  Files files;
  auto layer = test::MakeLayer(LayerText(files.list, 3));
  test::DataTops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(ErrorOf([&] { test::StateOf(*layer).RestoreState("cnn.ImageDataLayer.v1 0 0 0"); }),
            "layer 'h5' (HDF5Data): the saved state does not belong to an HDF5Data layer");
  EXPECT_EQ(ErrorOf([&] { test::StateOf(*layer).RestoreState("cnn.HDF5DataLayer.v1 0 7 0 0 0"); }),
            "layer 'h5' (HDF5Data): '" + files.list + "': a saved position names file #7 of a list of 2");
}

// A straight run of 7 iterations and one of 3, snapshot, resumed to 7 write
// the same caffemodel bytes: batches of 3 from 8 shuffled rows stop mid-file.
TEST(HDF5DataLayer, ResumedTrainingIsByteIdenticalToAStraightRun) {
  SKIP_WITHOUT_HDF5();
  Files files;
  const std::string net = "layer { " + LayerText(files.list, 3, "shuffle: true") +
                          " } "
                          "layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { "
                          "num_output: 8 weight_filler { type: 'gaussian' std: 0.1 } } } "
                          "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }";
  SolverParameter base;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(net, base.mutable_net_param()));
  base.set_type("SGD");
  base.set_base_lr(0.001f);
  base.set_momentum(0.9f);
  base.set_lr_policy("fixed");
  base.set_random_seed(5);
  const auto run = [&](int max_iter, const std::string& prefix, const std::string& resume) {
    SolverParameter p = base;
    p.set_max_iter(max_iter);
    p.set_snapshot_prefix(files.dir + "/" + prefix);
    auto solver = SolverRegistry::Create(p);
    solver->Solve(resume);
  };
  run(7, "straight", "");
  run(3, "first", "");
  run(7, "resumed", files.dir + "/first_iter_3.solverstate");
  const auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string a = bytes(files.dir + "/straight_iter_7.caffemodel");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == bytes(files.dir + "/resumed_iter_7.caffemodel")) << "resumed weights differ";
  EXPECT_NE(a, bytes(files.dir + "/first_iter_3.caffemodel"));
}

std::string SetUpError(const std::string& text) {
  return ErrorOf([&] {
    auto layer = test::MakeLayer(text);
    test::DataTops tops;
    layer->SetUp({}, tops.vec());
  });
}

TEST(HDF5DataLayer, BadFilesAndListsAreOneLineErrorsNamingThem) {
  SKIP_WITHOUT_HDF5();
  Files files;
  const std::string& dir = files.dir;
  const std::string where = "layer 'h5' (HDF5Data): ";
  // A top naming a dataset the file lacks.
  EXPECT_EQ(SetUpError(LayerText(files.list, 2, "", "top: 'data' top: 'labels'")),
            where + "'" + files.list + "' line 1: " + dir +
                "/a.h5: no dataset 'labels' (the file holds datasets aux, data, label)");
  // First dimensions that disagree.
  {
    hdf5::File f = hdf5::File::Create(dir + "/bad_rows.h5");
    const std::vector<float> v(12, 1.f);
    f.WriteFloats("data", {2, 2, 3}, v.data());
    f.WriteFloats("label", {3}, v.data());
    hdf5::File g = hdf5::File::Create(dir + "/bad_shape.h5");
    g.WriteFloats("data", {2, 6}, v.data());
    g.WriteFloats("label", {2}, v.data());
  }
  std::ofstream(dir + "/bad_rows.txt") << dir << "/a.h5\n" << dir << "/bad_rows.h5\n";
  EXPECT_EQ(SetUpError(LayerText(dir + "/bad_rows.txt", 2)),
            where + "'" + dir + "/bad_rows.txt' line 2: " + dir +
                "/bad_rows.h5: datasets 'data' (2 rows) and 'label' (3 rows) disagree in their first dimension");
  // Rows of another shape than the first file's.
  std::ofstream(dir + "/bad_shape.txt") << dir << "/a.h5\n" << dir << "/bad_shape.h5\n";
  EXPECT_EQ(SetUpError(LayerText(dir + "/bad_shape.txt", 2)),
            where + "'" + dir + "/bad_shape.txt' line 2: " + dir + "/bad_shape.h5: dataset 'data' has rows of shape (6), "
                "the first file '" + dir + "/a.h5' has (2,3)");
  // A missing file listed in the source (checked at SetUp, not when reached).
  std::ofstream(dir + "/missing.txt") << dir << "/a.h5\n" << dir << "/gone.h5\n";
  EXPECT_EQ(SetUpError(LayerText(dir + "/missing.txt", 2)),
            where + "'" + dir + "/missing.txt' line 2: " + dir +
                "/gone.h5: cannot open the HDF5 file (no such readable file)");
  // A list naming nothing, a missing list, a file that is not HDF5.
  std::ofstream(dir + "/empty.txt") << "\n  \n";
  EXPECT_EQ(SetUpError(LayerText(dir + "/empty.txt", 2)),
            where + "the HDF5 file list '" + dir + "/empty.txt' names no files");
  EXPECT_EQ(SetUpError(LayerText(dir + "/nolist.txt", 2)),
            where + "cannot read the HDF5 file list '" + dir + "/nolist.txt'");
  std::ofstream(dir + "/text.txt") << dir << "/list.txt\n";
  EXPECT_EQ(SetUpError(LayerText(dir + "/text.txt", 2)),
            where + "'" + dir + "/text.txt' line 1: " + dir + "/list.txt: not an HDF5 file");
  EXPECT_EQ(SetUpError(LayerText(files.list, 0)), where + "hdf5_data_param.batch_size must be positive");
}

TEST(HDF5DataLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  SKIP_WITHOUT_HDF5();
  Files files;
  const auto read = [&](bool gpu) {
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    Context::set_random_seed(7);
    auto layer = test::MakeLayer(LayerText(files.list, 3, "shuffle: true"));
    test::DataTops tops;
    layer->SetUp({}, tops.vec());
    std::vector<std::vector<float>> out;
    for (int i = 0; i < 5; ++i) {
      layer->Forward({}, tops.vec());
      // The next layer reads the tops on the device: uploaded from the host copy.
      if (gpu) {
        EXPECT_NE(tops.data.gpu_data(), nullptr);
      }
      out.push_back(test::DataOf(tops.data));
      out.push_back(test::DataOf(tops.label));
    }
    return out;
  };
  EXPECT_EQ(read(true), read(false));
}

}  // namespace
}  // namespace cnn
