// Whole training runs on small LMDBs made here: Caffe's reference solvers run
// against Caffe's reference LeNet, and a resumed run is byte-identical to a
// straight one.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// n records of 1x28x28 bytes; the label is the brightest quarter of the image,
// so the data is learnable yet nothing here depends on learning.
void MakeDigitsLmdb(const std::string& path, int n, unsigned seed) {
  auto db = OpenDB("lmdb", path, DB::NEW);
  auto txn = db->NewTransaction();
  std::mt19937 gen(seed);
  for (int i = 0; i < n; ++i) {
    Datum d;
    d.set_channels(1);
    d.set_height(28);
    d.set_width(28);
    const int label = static_cast<int>(gen() % 4);
    std::string pixels(28 * 28, '\0');
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const int quarter = (y / 14) * 2 + x / 14;
        pixels[y * 28 + x] = static_cast<char>((gen() % 100) + (quarter == label ? 150 : 0));
      }
    d.set_data(pixels);
    d.set_label(label);
    char key[16];
    std::snprintf(key, sizeof key, "%08d", i);
    txn->Put(key, d.SerializeAsString());
  }
  txn->Commit();
}

void PointDataAt(NetParameter* net, const std::string& train_db, const std::string& test_db) {
  for (auto& layer : *net->mutable_layer()) {
    if (layer.type() != "Data") continue;
    bool test = false;
    for (const auto& rule : layer.include()) test = test || (rule.has_phase() && rule.phase() == TEST);
    layer.mutable_data_param()->set_source(test ? test_db : train_db);
    layer.mutable_data_param()->set_backend(DataParameter::LMDB);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class TrainingRuns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::MakeTempDir());
    MakeDigitsLmdb(*dir_ + "/train_lmdb", 300, 1);
    MakeDigitsLmdb(*dir_ + "/test_lmdb", 100, 2);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string* dir_;
};
std::string* TrainingRuns::dir_ = nullptr;

TEST_F(TrainingRuns, CaffeReferenceSolversRunOnTheReferenceLeNet) {
  const std::string net_file = test::SharedPath("reference/caffe/examples/mnist/lenet_train_test.prototxt");
  if (!test::PathExists(net_file)) GTEST_SKIP() << "no " << net_file;
  NetParameter net = ReadNetParamsFromTextFile(net_file);
  PointDataAt(&net, *dir_ + "/train_lmdb", *dir_ + "/test_lmdb");
  for (const char* name : {"lenet_solver.prototxt", "lenet_multistep_solver.prototxt", "lenet_solver_adam.prototxt",
                           "lenet_solver_rmsprop.prototxt", "lenet_adadelta_solver.prototxt"}) {
    SCOPED_TRACE(name);
    SolverParameter p = ReadSolverParamsFromTextFile(test::SharedPath("reference/caffe/examples/mnist/") + name);
    p.clear_net();
    *p.mutable_net_param() = net;
    p.set_max_iter(4);
    p.set_test_iter(0, 2);
    p.set_test_interval(2);
    p.set_snapshot(0);
    p.set_snapshot_after_train(false);
    auto solver = SolverRegistry::Create(p, name);
    solver->Solve();
    EXPECT_EQ(solver->iter(), 4);
    EXPECT_TRUE(std::isfinite(solver->smoothed_loss()));
    ASSERT_EQ(solver->last_test_scores().size(), 1u);
    // accuracy and loss, both finite, accuracy a fraction
    const auto& scores = solver->last_test_scores()[0];
    ASSERT_EQ(scores.size(), 2u);
    EXPECT_GE(scores[0], 0.f);
    EXPECT_LE(scores[0], 1.f);
  }
}

TEST_F(TrainingRuns, ResumedLeNetIsByteIdenticalToAStraightRun) {
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lenet/train_test.prototxt"));
  PointDataAt(&net, *dir_ + "/train_lmdb", *dir_ + "/test_lmdb");
  SolverParameter base = ReadSolverParamsFromTextFile(test::SourcePath("models/lenet/solver.prototxt"));
  base.clear_net();
  *base.mutable_net_param() = net;
  base.set_test_iter(0, 2);
  base.set_test_interval(15);  // tests read the test DB mid-run, so its position is resumed too
  base.set_snapshot(0);
  base.set_display(10);

  SolverParameter straight = base;
  straight.set_max_iter(40);
  straight.set_snapshot_prefix(*dir_ + "/straight");
  SolverRegistry::Create(straight)->Solve();

  SolverParameter first = base;
  first.set_max_iter(20);
  first.set_snapshot_prefix(*dir_ + "/first");
  SolverRegistry::Create(first)->Solve();

  SolverParameter second = base;
  second.set_max_iter(40);
  second.set_snapshot_prefix(*dir_ + "/resumed");
  auto resumed = SolverRegistry::Create(second);
  resumed->Solve(*dir_ + "/first_iter_20.solverstate");
  EXPECT_EQ(resumed->iter(), 40);

  const std::string a = ReadFile(*dir_ + "/straight_iter_40.caffemodel");
  const std::string b = ReadFile(*dir_ + "/resumed_iter_40.caffemodel");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "resumed weights differ from the straight run's";
  // And the run did train: the snapshot differs from the one at iteration 20.
  EXPECT_NE(a, ReadFile(*dir_ + "/first_iter_20.caffemodel"));
}

TEST_F(TrainingRuns, FineTuningCopiesByNameAndLrMultZeroFreezes) {
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lenet/train_test.prototxt"));
  PointDataAt(&net, *dir_ + "/train_lmdb", *dir_ + "/test_lmdb");
  SolverParameter p = ReadSolverParamsFromTextFile(test::SourcePath("models/lenet/solver.prototxt"));
  p.clear_net();
  *p.mutable_net_param() = net;
  p.set_test_interval(0);
  p.clear_test_iter();
  p.set_max_iter(5);
  p.set_snapshot(0);
  p.set_snapshot_prefix(*dir_ + "/pre");
  SolverRegistry::Create(p)->Solve();
  const std::string weights = *dir_ + "/pre_iter_5.caffemodel";

  // Freeze conv1 (weights and bias), fine-tune the rest from the snapshot.
  SolverParameter ft = p;
  auto* conv1 = ft.mutable_net_param()->mutable_layer(2);
  ASSERT_EQ(conv1->name(), "conv1");
  conv1->mutable_param(0)->set_lr_mult(0);
  conv1->mutable_param(1)->set_lr_mult(0);
  ft.set_snapshot_prefix(*dir_ + "/ft");
  ft.set_random_seed(99);  // different init, so only the copy can make conv1 equal
  auto solver = SolverRegistry::Create(ft);
  solver->net().CopyTrainedLayersFromFile(weights);
  NetParameter before;
  solver->net().ToProto(&before);
  solver->Solve();
  NetParameter after;
  solver->net().ToProto(&after);
  NetParameter trained;
  ReadProtoFromBinaryFile(weights, &trained);
  auto blob_of = [](const NetParameter& n, const std::string& layer, int i) {
    for (const auto& l : n.layer())
      if (l.name() == layer && l.blobs_size() > i) return l.blobs(i).SerializeAsString();
    return std::string();
  };
  EXPECT_EQ(blob_of(before, "conv1", 0), blob_of(trained, "conv1", 0));  // copied by name
  EXPECT_EQ(blob_of(after, "conv1", 0), blob_of(trained, "conv1", 0));   // frozen
  EXPECT_EQ(blob_of(after, "conv1", 1), blob_of(trained, "conv1", 1));
  EXPECT_NE(blob_of(after, "ip1", 0), blob_of(trained, "ip1", 0));       // still learning

  // A layer whose shape changed cannot take the old weights.
  SolverParameter wide = p;
  wide.mutable_net_param()->mutable_layer(2)->mutable_convolution_param()->set_num_output(16);
  auto other = SolverRegistry::Create(wide);
  try {
    other->net().CopyTrainedLayersFromFile(weights);
    FAIL() << "a shape mismatch must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv1"), std::string::npos) << e.what();
  }
}

// Regression (reliability issue, item 5): a state whose data position no
// number of iterations could have reached (1e11) was accepted silently.
TEST_F(TrainingRuns, DataPositionsBeyondTheIterationsAreRefused) {
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lenet/train_test.prototxt"));
  PointDataAt(&net, *dir_ + "/train_lmdb", *dir_ + "/test_lmdb");
  SolverParameter param = ReadSolverParamsFromTextFile(test::SourcePath("models/lenet/solver.prototxt"));
  param.clear_net();
  *param.mutable_net_param() = net;
  param.set_test_interval(0);
  param.set_snapshot(0);
  param.set_max_iter(3);
  param.set_snapshot_prefix(*dir_ + "/positions");
  SolverRegistry::Create(param)->Solve();
  const std::string good = *dir_ + "/positions_iter_3.solverstate";
  SolverState state;
  ReadProtoFromBinaryFile(good, &state);
  ASSERT_GT(state.layer_state_size(), 0);
  param.set_max_iter(5);
  EXPECT_NO_THROW(SolverRegistry::Create(param)->Restore(good));

  bool changed = false;
  for (auto& ls : *state.mutable_layer_state()) {
    if (ls.net() != 0) continue;
    std::istringstream in(ls.state());
    std::string tag, offset, rest;
    in >> tag >> offset;
    std::getline(in, rest);
    ls.set_state(tag + " 100000000000" + rest);
    changed = true;
  }
  ASSERT_TRUE(changed);
  const std::string bad = *dir_ + "/positions_bad.solverstate";
  WriteProtoToBinaryFile(state, bad);
  const std::string message = test::ErrorOf([&] { SolverRegistry::Create(param)->Restore(bad); });
  EXPECT_NE(message.find(bad + ": layer '"), std::string::npos) << message;
  EXPECT_NE(message.find("is at record 100000000000"), std::string::npos) << message;
}

}  // namespace
}  // namespace cnn
