// The Data layer's data_param.shuffle and the transform options of our own,
// through the layer: coverage per epoch, resume (layer state and a whole
// training run to identical caffemodel bytes) with each option on.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/data/db.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

// n records under keys 00000000.., record i: 1 x h x w bytes (i * 16 + j) % 256, label i.
std::string MakeDB(const std::string& backend, int n, int h = 4, int w = 4) {
  const std::string path = test::MakeTempDir() + "/db";
  auto db = OpenDB(backend, path, DB::NEW);
  auto txn = db->NewTransaction();
  for (int i = 0; i < n; ++i) {
    Datum d;
    d.set_channels(1);
    d.set_height(h);
    d.set_width(w);
    std::string bytes(h * w, '\0');
    for (size_t j = 0; j < bytes.size(); ++j) bytes[j] = static_cast<char>((i * 16 + j) % 256);
    d.set_data(bytes);
    d.set_label(i);
    char key[16];
    std::snprintf(key, sizeof key, "%08d", i);
    txn->Put(key, d.SerializeAsString());
  }
  txn->Commit();
  return path;
}

std::string LayerText(const std::string& path, const std::string& backend, int batch, const std::string& data_extra,
                      const std::string& extra = "") {
  return "name: 'data' type: 'Data' top: 'data' top: 'label' data_param { source: '" + path + "' backend: " +
         (backend == "lmdb" ? "LMDB" : "LEVELDB") + " batch_size: " + std::to_string(batch) + " " + data_extra +
         " } " + extra;
}

class DataShuffle : public ::testing::TestWithParam<std::string> {
 protected:
  std::string backend() const { return GetParam(); }
};

TEST_P(DataShuffle, EveryRecordOncePerEpochInAnotherOrderEachEpoch) {
  const int n = 6, batch = 2, epochs = 4;
  const std::string path = MakeDB(backend(), n);
  Context::set_random_seed(3);
  auto layer = test::MakeLayer(LayerText(path, backend(), batch, "shuffle: true"));
  test::DataTops tops;
  layer->SetUp({}, tops.vec());
  std::vector<std::vector<int>> orders(epochs);
  for (auto& order : orders) {
    for (int b = 0; b < n / batch; ++b) {
      layer->Forward({}, tops.vec());
      for (int i = 0; i < batch; ++i) {
        const int label = static_cast<int>(tops.label.cpu_data()[i]);
        order.push_back(label);
        // The pixels are the labelled record's.
        EXPECT_EQ(tops.data.cpu_data()[i * 16 + 1], static_cast<float>((label * 16 + 1) % 256));
      }
    }
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  }
  for (int a = 0; a < epochs; ++a)
    for (int b = a + 1; b < epochs; ++b) EXPECT_NE(orders[a], orders[b]) << a << " " << b;

  // The same seed gives the same orders.
  Context::set_random_seed(3);
  auto again = test::MakeLayer(LayerText(path, backend(), batch, "shuffle: true"));
  test::DataTops tops2;
  again->SetUp({}, tops2.vec());
  again->Forward({}, tops2.vec());
  EXPECT_EQ(static_cast<int>(tops2.label.cpu_data()[0]), orders[0][0]);
  EXPECT_EQ(static_cast<int>(tops2.label.cpu_data()[1]), orders[0][1]);
}

TEST_P(DataShuffle, ResumesExactlyMidEpochWithEachOption) {
  const std::string path = MakeDB(backend(), 7);
  // 3 batches of 2 from 7 records: mid-epoch.
  test::CheckResume(LayerText(path, backend(), 2, "shuffle: true"));
  test::CheckResume(LayerText(path, backend(), 2, "", "phase: TRAIN transform_param { shift_pixels: 2 }"));
  test::CheckResume(LayerText(path, backend(), 2, "", "transform_param { vertical_flip: true }"));
  test::CheckResume(LayerText(path, backend(), 2, "", "transform_param { mean_value: 3 std_value: 7 }"));
  test::CheckResume(LayerText(path, backend(), 2, "shuffle: true prefetch: 1",
                              "phase: TRAIN transform_param { crop_size: 3 mirror: true vertical_flip: true "
                              "shift_pixels: 1 mean_value: 100 std_value: 50 }"));
}

TEST_P(DataShuffle, AStateMustMatchTheShuffleSetting) {
  const std::string path = MakeDB(backend(), 5);
  Context::set_random_seed(1);
  test::DataTops tops;
  auto shuffled = test::MakeLayer(LayerText(path, backend(), 2, "shuffle: true"));
  shuffled->SetUp({}, tops.vec());
  auto plain = test::MakeLayer(LayerText(path, backend(), 2, ""));
  test::DataTops tops2;
  plain->SetUp({}, tops2.vec());
  EXPECT_EQ(ErrorOf([&] { test::StateOf(*plain).RestoreState(test::StateOf(*shuffled).SaveState()); }),
            "layer 'data' (Data): the saved state was written with data_param.shuffle on but the layer has it off");
  EXPECT_EQ(ErrorOf([&] { test::StateOf(*shuffled).RestoreState(test::StateOf(*plain).SaveState()); }),
            "layer 'data' (Data): the saved state was written with data_param.shuffle off but the layer has it on");
}

INSTANTIATE_TEST_SUITE_P(Backends, DataShuffle, ::testing::Values("lmdb", "leveldb"),
                         [](const auto& info) { return info.param; });

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A straight run of 8 iterations and one of 3, snapshot, resumed to 8 write
// the same caffemodel bytes; 3 batches of 2 from 7 shuffled records stop
// mid-epoch, with every random transform on.
TEST(DataShuffle, ResumedTrainingIsByteIdenticalToAStraightRun) {
  const std::string path = MakeDB("lmdb", 7, 5, 5);
  const std::string dir = test::MakeTempDir();
  const std::string net =
      "layer { name: 'data' type: 'Data' top: 'data' top: 'label' data_param { source: '" + path +
      "' backend: LMDB batch_size: 2 shuffle: true } transform_param { crop_size: 4 mirror: true "
      "vertical_flip: true shift_pixels: 1 mean_value: 100 std_value: 60 } } "
      "layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { num_output: 7 "
      "weight_filler { type: 'gaussian' std: 0.1 } } } "
      "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }";
  SolverParameter base;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(net, base.mutable_net_param()));
  base.set_type("SGD");
  base.set_base_lr(0.1f);
  base.set_momentum(0.9f);
  base.set_lr_policy("fixed");
  base.set_random_seed(5);
  base.set_snapshot(0);
  const auto run = [&](int max_iter, const std::string& prefix, const std::string& resume) {
    SolverParameter p = base;
    p.set_max_iter(max_iter);
    p.set_snapshot_prefix(dir + "/" + prefix);
    auto solver = SolverRegistry::Create(p);
    if (resume.empty()) {
      solver->Solve();
    } else {
      solver->Solve(resume);
    }
  };
  run(8, "straight", "");
  run(3, "first", "");
  run(8, "resumed", dir + "/first_iter_3.solverstate");
  const std::string a = Bytes(dir + "/straight_iter_8.caffemodel");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == Bytes(dir + "/resumed_iter_8.caffemodel")) << "resumed weights differ";
  EXPECT_NE(a, Bytes(dir + "/first_iter_3.caffemodel"));
}

TEST(DataShuffleGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string path = MakeDB("lmdb", 7);
  const std::string text = LayerText(path, "lmdb", 2, "shuffle: true",
                                     "phase: TRAIN transform_param { shift_pixels: 1 vertical_flip: true std_value: 3 }");
  const auto read = [&](bool gpu) {
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    Context::set_random_seed(7);
    auto layer = test::MakeLayer(text);
    test::DataTops tops;
    layer->SetUp({}, tops.vec());
    return test::ReadBatches(*layer, tops, 9);
  };
  EXPECT_EQ(read(true), read(false));
}

}  // namespace
}  // namespace cnn
