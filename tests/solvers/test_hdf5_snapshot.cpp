// snapshot_format: HDF5: Caffe's layout (checked with h5py), a run resumed
// from a .solverstate.h5 identical to a straight one (and to the same run
// with binary snapshots), our resume fields surviving the HDF5 round trip
// bit-exactly, fine-tuning and `cnn test` from a .caffemodel.h5, shared
// weights stored once, and bad weights files named.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/hdf5_solver_state.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/hdf5_python.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

// 12 rows of 5 features in dir/rows.h5, listed in dir/rows.txt.
void WriteRows(const std::string& dir) {
  hdf5::File f = hdf5::File::Create(dir + "/rows.h5");
  std::vector<float> data, label;
  for (int r = 0; r < 12; ++r) {
    for (int k = 0; k < 5; ++k) data.push_back(static_cast<float>((r * 7 + k * 3) % 11) / 11.f);
    label.push_back(static_cast<float>(r % 3));
  }
  f.WriteFloats("data", {12, 5}, data.data());
  f.WriteFloats("label", {12}, label.data());
  f.Close();
  std::ofstream(dir + "/rows.txt") << dir << "/rows.h5\n";
}

// Shuffled HDF5 rows, dropout (the generator's state matters) and two
// InnerProducts under Adam (two history blobs per parameter).
std::string NetText(const std::string& dir) {
  return "name: 'h5net' "
         "layer { name: 'data' type: 'HDF5Data' top: 'data' top: 'label' hdf5_data_param { source: '" + dir +
         "/rows.txt' batch_size: 5 shuffle: true } } "
         "layer { name: 'ip1' type: 'InnerProduct' bottom: 'data' top: 'ip1' inner_product_param { num_output: 6 "
         "weight_filler { type: 'gaussian' std: 0.3 } bias_filler { type: 'constant' value: 0.1 } } } "
         "layer { name: 'drop' type: 'Dropout' bottom: 'ip1' top: 'ip1' dropout_param { dropout_ratio: 0.3 } } "
         "layer { name: 'ip2' type: 'InnerProduct' bottom: 'ip1' top: 'ip2' inner_product_param { num_output: 3 "
         "weight_filler { type: 'gaussian' std: 0.3 } } } "
         "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip2' bottom: 'label' top: 'loss' }";
}

SolverParameter Base(const std::string& dir, SolverParameter::SnapshotFormat format) {
  SolverParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(NetText(dir), p.mutable_net_param()));
  p.set_type("Adam");
  p.set_base_lr(0.01f);
  p.set_momentum(0.9f);
  p.set_momentum2(0.999f);
  p.set_lr_policy("multistep");
  p.add_stepvalue(2);
  p.set_gamma(0.5f);
  p.set_random_seed(11);
  p.set_snapshot_format(format);
  return p;
}

void Train(SolverParameter p, int max_iter, const std::string& prefix, const std::string& resume = "") {
  p.set_max_iter(max_iter);
  p.set_snapshot_prefix(prefix);
  auto solver = SolverRegistry::Create(p);
  solver->Solve(resume);
}

// Every learned blob of an HDF5 weights file, by dataset name.
std::vector<std::pair<std::string, std::vector<float>>> Weights(const std::string& path) {
  const hdf5::File f = hdf5::File::Open(path);
  std::vector<std::pair<std::string, std::vector<float>>> out;
  for (const std::string& name : f.AllDatasets()) {
    std::vector<int64_t> shape;
    out.emplace_back(name, f.ReadFloats(name, &shape));
  }
  return out;
}

TEST(Hdf5Snapshot, ResumedRunIsIdenticalToAStraightOneAndToBinarySnapshots) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  WriteRows(dir);
  const SolverParameter h5 = Base(dir, SolverParameter::HDF5);
  Train(h5, 7, dir + "/straight");
  Train(h5, 3, dir + "/first");
  Train(h5, 7, dir + "/resumed", dir + "/first_iter_3.solverstate.h5");
  const auto straight = Weights(dir + "/straight_iter_7.caffemodel.h5");
  ASSERT_EQ(straight.size(), 4u);  // ip1/0 ip1/1 ip2/0 ip2/1
  EXPECT_EQ(straight[0].first, "data/ip1/0");
  EXPECT_TRUE(straight == Weights(dir + "/resumed_iter_7.caffemodel.h5")) << "resumed weights differ";
  EXPECT_FALSE(straight == Weights(dir + "/first_iter_3.caffemodel.h5"));

  // The same run with binary snapshots learns the same weights.
  Train(Base(dir, SolverParameter::BINARYPROTO), 7, dir + "/binary");
  NetParameter binary;
  ReadProtoFromBinaryFile(dir + "/binary_iter_7.caffemodel", &binary);
  for (const auto& layer : binary.layer()) {
    for (int j = 0; j < layer.blobs_size(); ++j) {
      const std::string name = "data/" + layer.name() + "/" + std::to_string(j);
      bool found = false;
      for (const auto& [n, values] : straight) {
        if (n != name) continue;
        found = true;
        EXPECT_EQ(values, std::vector<float>(layer.blobs(j).data().begin(), layer.blobs(j).data().end())) << name;
      }
      EXPECT_TRUE(found) << name;
    }
  }
}

TEST(Hdf5Snapshot, SolverStateRoundTripsEveryFieldBitExactly) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  WriteRows(dir);
  Train(Base(dir, SolverParameter::BINARYPROTO), 3, dir + "/b");
  SolverState state;
  ReadProtoFromBinaryFile(dir + "/b_iter_3.solverstate", &state);
  ASSERT_GT(state.layer_state_size(), 0);
  ASSERT_TRUE(state.has_rng_state());
  ASSERT_EQ(state.history_size(), 8);
  state.set_current_step(1);
  LayerState* odd = state.add_layer_state();
  odd->set_net(2);
  odd->set_layer("a/layer");
  odd->set_state(std::string("\0bytes\xff", 7));
  LayerState* empty = state.add_layer_state();  // a position of no bytes
  empty->set_net(0);
  empty->set_layer("empty");
  empty->set_state("");
  WriteSolverStateToHDF5(state, dir + "/s.solverstate.h5");
  const SolverState back = ReadSolverStateFromHDF5(dir + "/s.solverstate.h5");
  EXPECT_EQ(back.SerializeAsString(), state.SerializeAsString());
}

TEST(Hdf5Snapshot, FilesHaveCaffesLayout) {
  SKIP_WITHOUT_H5PY();
  const std::string dir = test::MakeTempDir();
  WriteRows(dir);
  SolverParameter p = Base(dir, SolverParameter::HDF5);
  p.set_type("SGD");
  p.clear_momentum2();
  p.set_snapshot_diff(true);
  Train(p, 3, dir + "/c");
  std::string out;
  EXPECT_EQ(test::RunPython(dir, "check", R"(
m = h5py.File(')" + dir + R"(/c_iter_3.caffemodel.h5', 'r')
assert sorted(m['data'].keys()) == ['data', 'drop', 'ip1', 'ip2', 'loss'], list(m['data'].keys())
assert len(m['data/drop']) == 0
w = m['data/ip1/0']
assert w.dtype == np.float32 and w.shape == (6, 5), (w.dtype, w.shape)
assert m['data/ip1/1'].shape == (6,) and m['data/ip2/0'].shape == (3, 6)
assert m['diff/ip2/0'].shape == (3, 6)
s = h5py.File(')" + dir + R"(/c_iter_3.solverstate.h5', 'r')
assert s['iter'][()].tolist() == [3] and s['current_step'][()].tolist() == [1]
assert s['learned_net'][()].decode().endswith('c_iter_3.caffemodel.h5')
assert sorted(s['history'].keys()) == ['0', '1', '2', '3']
assert s['history/0'].shape == (6, 5) and s['history/0'].dtype == np.float32
assert s['cnn_layer_state/0/layer'][()] == b'data', s['cnn_layer_state/0/layer'][()]
assert s['cnn_rng_state'].dtype == np.uint8
print('ok')
)", &out), 0) << out;
}

TEST(Hdf5Snapshot, CaffeModelH5LoadsForTestAndFineTuning) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  WriteRows(dir);
  Train(Base(dir, SolverParameter::HDF5), 3, dir + "/m");
  const std::string weights = dir + "/m_iter_3.caffemodel.h5";
  std::ofstream(dir + "/net.prototxt") << NetText(dir);
  test::ToolResult r = test::Cnn("test --model='" + dir + "/net.prototxt' --weights='" + weights + "' --iterations=2");
  EXPECT_EQ(r.status, 0) << r.output;
  std::ofstream(dir + "/solver.prototxt") << "net: '" << dir << "/net.prototxt' base_lr: 0.01 lr_policy: 'fixed' "
                                          << "max_iter: 2 snapshot_prefix: '" << dir << "/ft' type: 'SGD'\n";
  r = test::Cnn("train --solver='" + dir + "/solver.prototxt' --weights='" + weights + "'");
  EXPECT_EQ(r.status, 0) << r.output;

  // The weights land in a fresh net exactly.
  NetParameter np;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(NetText(dir), &np));
  Net net(np);
  net.CopyTrainedLayersFromFile(weights);
  EXPECT_TRUE(net.LayersWithoutTrainedWeights().empty());
  std::vector<int64_t> shape;
  const std::vector<float> w = hdf5::File::Open(weights).ReadFloats("data/ip2/0", &shape);
  EXPECT_EQ(test::DataOf(*net.layer_by_name("ip2")->blobs()[0]), w);
}

TEST(Hdf5Snapshot, SharedWeightsAreStoredOnceAndLoadBack) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  const std::string text =
      "layer { name: 'in' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } } "
      "layer { name: 'a' type: 'InnerProduct' bottom: 'x' top: 'a' param { name: 'w' } param { name: 'b' } "
      "inner_product_param { num_output: 3 weight_filler { type: 'gaussian' } bias_filler { type: 'gaussian' } } } "
      "layer { name: 'b' type: 'InnerProduct' bottom: 'a' top: 'b' param { name: 'w' } param { name: 'b' } "
      "inner_product_param { num_output: 3 } }";
  NetParameter np;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &np));
  Context::set_random_seed(3);
  Net source(np);
  {
    hdf5::File f = hdf5::File::Create(dir + "/shared.caffemodel.h5");
    source.ToHDF5(&f);
    f.Close();
  }
  EXPECT_EQ(hdf5::File::Open(dir + "/shared.caffemodel.h5").AllDatasets(),
            (std::vector<std::string>{"data/a/0", "data/a/1"}));
  Context::set_random_seed(4);
  Net target(np);
  target.CopyTrainedLayersFromFile(dir + "/shared.caffemodel.h5");
  EXPECT_EQ(test::DataOf(*target.layer_by_name("b")->blobs()[0]), test::DataOf(*source.layer_by_name("a")->blobs()[0]));
  EXPECT_TRUE(target.LayersWithoutTrainedWeights().empty());
}

TEST(Hdf5Snapshot, BadWeightsFilesNameTheFileAndLayer) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  WriteRows(dir);
  NetParameter np;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(NetText(dir), &np));
  Net net(np);
  {
    hdf5::File f = hdf5::File::Create(dir + "/short.caffemodel.h5");
    const std::vector<float> v(30, 0.f);
    f.WriteFloats("data/ip1/0", {6, 5}, v.data());
    f.WriteFloats("data/ip2/0", {5, 6}, v.data());
  }
  EXPECT_EQ(ErrorOf([&] { net.CopyTrainedLayersFromFile(dir + "/short.caffemodel.h5"); }),
            dir + "/short.caffemodel.h5: layer 'ip1': no dataset 'data/ip1/1' (the file holds 1 blob(s) for it, "
                  "the net expects 2)");
  {
    hdf5::File f = hdf5::File::Create(dir + "/shape.caffemodel.h5");
    const std::vector<float> v(30, 0.f);
    f.WriteFloats("data/ip2/0", {5, 6}, v.data());
  }
  EXPECT_EQ(ErrorOf([&] { net.CopyTrainedLayersFromFile(dir + "/shape.caffemodel.h5"); }),
            "layer 'ip2': " + dir + "/shape.caffemodel.h5: dataset 'data/ip2/0' has shape (5,6), the net expects "
                                    "(3,6) (rename the layer to learn it from scratch instead)");
  std::ofstream(dir + "/text.caffemodel.h5") << "no\n";
  EXPECT_EQ(ErrorOf([&] { net.CopyTrainedLayersFromFile(dir + "/text.caffemodel.h5"); }),
            dir + "/text.caffemodel.h5: not an HDF5 file");
  EXPECT_EQ(ErrorOf([&] { ReadSolverStateFromHDF5(dir + "/shape.caffemodel.h5"); }),
            dir + "/shape.caffemodel.h5: not a solver state (no dataset 'iter')");
}

}  // namespace
}  // namespace cnn
