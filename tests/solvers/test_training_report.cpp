// What the solver reports beside the loss: per-layer gradient norms
// (log_grad_norms) in the glog lines and the JSON log, and the epoch reached,
// where the train net's data layer knows its source's size.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/data/db.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "cnn/solvers/training_stats.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// x = (2, 2), y = 1, w = (0.5, 0.5), b = 0.1: r = 1.1, so the first
// gradients are (2.2, 2.2) and 1.1, and fc's norm is sqrt(2 * 4.84 + 1.21) = 3.3.
const char* kNet = R"(
  name: "tiny"
  layer { name: "data" type: "DummyData" top: "x" top: "y"
    dummy_data_param { shape { dim: 1 dim: 2 } shape { dim: 1 dim: 1 }
      data_filler { type: "constant" value: 2 } data_filler { type: "constant" value: 1 } } }
  layer { name: "fc" type: "InnerProduct" bottom: "x" top: "p"
    inner_product_param { num_output: 1
      weight_filler { type: "constant" value: 0.5 } bias_filler { type: "constant" value: 0.1 } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
)";

SolverParameter Param(const std::string& net) {
  SolverParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(net, p.mutable_net_param()));
  p.set_base_lr(0.01f);
  p.set_lr_policy("fixed");
  p.set_max_iter(6);
  p.set_display(3);
  p.set_snapshot_after_train(false);
  p.set_random_seed(1);
  return p;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TrainingReport, GradientNormsPerLayerAtDisplay) {
  const std::string dir = test::MakeTempDir();
  SolverParameter p = Param(kNet);
  p.set_log_grad_norms(true);
  p.set_log_json(dir + "/log.jsonl");
  p.set_iter_size(2);  // the same batch twice: summed, then averaged back to 3.3
  auto solver = SolverRegistry::Create(p);
  std::vector<std::vector<std::pair<std::string, float>>> seen;
  solver->add_listener([&](const TrainingEvent& e) {
    if (e.kind == TrainingEvent::DISPLAY) seen.push_back(e.grad_norms);
  });
  solver->Solve();
  ASSERT_GE(seen.size(), 1u);
  ASSERT_EQ(seen[0].size(), 1u);  // the only layer with parameters
  EXPECT_EQ(seen[0][0].first, "fc");
  EXPECT_NEAR(seen[0][0].second, 3.3, 1e-5);
  const auto lines = Lines(dir + "/log.jsonl");
  ASSERT_FALSE(lines.empty());
  const std::string key = "\"grad_norms\":{\"fc\":";
  const size_t at = lines[0].find(key);
  ASSERT_NE(at, std::string::npos) << lines[0];
  EXPECT_NEAR(std::strtod(lines[0].c_str() + at + key.size(), nullptr), 3.3, 1e-5) << lines[0];
  // DummyData does not count records: no epoch.
  EXPECT_EQ(lines[0].find("\"epoch\""), std::string::npos) << lines[0];

  SolverParameter quiet = Param(kNet);
  quiet.set_log_json(dir + "/quiet.jsonl");
  SolverRegistry::Create(quiet)->Solve();
  for (const auto& line : Lines(dir + "/quiet.jsonl")) EXPECT_EQ(line.find("grad_norms"), std::string::npos) << line;
}

TEST(TrainingReport, EpochFromTheDataLayersSourceSize) {
  if (!hdf5::Available()) GTEST_SKIP() << "no HDF5 in this build";
  const std::string dir = test::MakeTempDir();
  hdf5::File f = hdf5::File::Create(dir + "/rows.h5");
  std::vector<float> x(12 * 2, 0.5f), y(12, 1.f);
  f.WriteFloats("x", {12, 2}, x.data());
  f.WriteFloats("y", {12, 1}, y.data());
  f.Close();
  std::ofstream(dir + "/rows.txt") << dir << "/rows.h5\n";
  const std::string net = "name: 'rows' layer { name: 'data' type: 'HDF5Data' top: 'x' top: 'y' "
                          "hdf5_data_param { source: '" + dir + "/rows.txt' batch_size: 5 } } "
                          "layer { name: 'fc' type: 'InnerProduct' bottom: 'x' top: 'p' inner_product_param { "
                          "num_output: 1 } } layer { name: 'loss' type: 'EuclideanLoss' bottom: 'p' bottom: 'y' "
                          "top: 'loss' }";
  SolverParameter p = Param(net);
  p.set_log_json(dir + "/log.jsonl");
  p.set_iter_size(2);
  SolverRegistry::Create(p)->Solve();
  // 12 rows, 5 per batch, 2 batches per iteration: iteration 3 is epoch 3 * 10 / 12 = 2.5, 6 is 5.
  const auto lines = Lines(dir + "/log.jsonl");
  ASSERT_EQ(lines.size(), 3u);  // displays at 0, 3 and the final one at 6
  EXPECT_NE(lines[0].find("\"iter\":0,\"max_iter\":6,\"epoch\":0,"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"iter\":3,\"max_iter\":6,\"epoch\":2.5,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("\"iter\":6,\"max_iter\":6,\"epoch\":5,"), std::string::npos) << lines[2];
}

// An unshuffled Data layer over an LMDB knows its size from LMDB's own
// count, before it has read the database through once.
TEST(TrainingReport, EpochFromAnLmdbsCount) {
  const std::string dir = test::MakeTempDir();
  {
    auto db = OpenDB("lmdb", dir + "/lmdb", DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < 40; ++i) {
      Datum d;
      d.set_channels(1);
      d.set_height(1);
      d.set_width(2);
      d.set_data(std::string("\x01\x02", 2));
      d.set_label(0);
      txn->Put("k" + std::to_string(100 + i), d.SerializeAsString());
    }
    txn->Commit();
  }
  const std::string net = "name: 'db' layer { name: 'data' type: 'Data' top: 'x' top: 'y' data_param { source: '" +
                          dir + "/lmdb' backend: LMDB batch_size: 16 } } "
                          "layer { name: 'fc' type: 'InnerProduct' bottom: 'x' top: 'p' inner_product_param { "
                          "num_output: 2 } } layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'p' bottom: 'y' "
                          "top: 'loss' }";
  SolverParameter p = Param(net);
  p.set_log_json(dir + "/log.jsonl");
  SolverRegistry::Create(p)->Solve();
  // 40 records, 16 per iteration: iteration 3 is epoch 1.2, 6 is 2.4.
  const auto lines = Lines(dir + "/log.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("\"iter\":3,\"max_iter\":6,\"epoch\":1.2,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("\"iter\":6,\"max_iter\":6,\"epoch\":2.4,"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace cnn
