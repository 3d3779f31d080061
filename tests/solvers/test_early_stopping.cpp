// Early stopping on a scripted validation curve: the test net's only output
// is a row of an HDF5 file per test pass, so the stop iteration and the best
// one follow from the script alone. Also: the best model is the weights of
// the best pass, a resumed run stops where a straight one does (binary and
// HDF5 states), a cosine + warm-up run resumes bit-exactly, and bad fields
// are one clear line (exit status 1 from `cnn train`).
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// Test passes at iterations 0, 10, 20, ... read these in turn. With
// min_delta 0.02 and patience 3: 0.10, 0.30, 0.50, 0.55 are improvements
// (the best: 0.55 at iteration 30); 0.54 (40), 0.56 (50: not 0.02 above
// 0.55) and 0.50 (60) are not, so training stops at iteration 60, before the
// 0.60 at 80 it would otherwise have reached.
const std::vector<float> kCurve = {0.10f, 0.30f, 0.50f, 0.55f, 0.54f, 0.56f, 0.50f, 0.40f, 0.60f, 0.61f};

const char* kTrainNet = R"(
  name: "tiny"
  layer { name: "data" type: "DummyData" top: "x" top: "y"
    dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 dim: 1 }
      data_filler { type: "uniform" min: -1 max: 1 } data_filler { type: "constant" value: 1 } } }
  layer { name: "fc" type: "InnerProduct" bottom: "x" top: "p"
    inner_product_param { num_output: 1 weight_filler { type: "gaussian" std: 0.5 } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "y" top: "loss" }
)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

class EarlyStop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!hdf5::Available()) GTEST_SKIP() << "the scripted curve is an HDF5 file; this build has no HDF5";
    dir_ = test::MakeTempDir();
    hdf5::File f = hdf5::File::Create(dir_ + "/curve.h5");
    f.WriteFloats("score", {static_cast<int64_t>(kCurve.size()), 1}, kCurve.data());
    f.Close();
    std::ofstream(dir_ + "/curve.txt") << dir_ << "/curve.h5\n";
  }

  SolverParameter Param(const std::string& prefix) const {
    SolverParameter p;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kTrainNet, p.mutable_train_net_param()));
    const std::string test_net = "name: 'curve' layer { name: 'curve' type: 'HDF5Data' top: 'score' "
                                 "hdf5_data_param { source: '" + dir_ + "/curve.txt' batch_size: 1 } }";
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(test_net, p.add_test_net_param()));
    p.add_test_iter(1);
    p.set_test_interval(10);
    p.set_type("SGD");
    p.set_momentum(0.9f);
    p.set_base_lr(0.01f);
    p.set_lr_policy("fixed");
    p.set_max_iter(200);
    p.set_display(0);
    p.set_random_seed(5);
    p.set_snapshot_prefix(dir_ + "/" + prefix);
    p.set_early_stop_output("score");
    p.set_patience(3);
    p.set_min_delta(0.02f);
    return p;
  }
  std::string dir_;
};

TEST_F(EarlyStop, StopsAtThePredictedIterationAndKeepsTheBestPass) {
  SolverParameter p = Param("run");
  p.set_snapshot(10);  // a snapshot at every test pass, to compare the best model with
  auto solver = SolverRegistry::Create(p);
  solver->Solve();
  EXPECT_TRUE(solver->stopped_early());
  EXPECT_EQ(solver->iter(), 60);
  EXPECT_EQ(solver->last_test_iter(), 60);
  EXPECT_FLOAT_EQ(solver->last_test_scores()[0][0], 0.50f);
  const std::string best = ReadFile(dir_ + "/run_best.caffemodel");
  ASSERT_FALSE(best.empty());
  // The test at iteration 30 runs before update 30, on the weights the
  // snapshot at 30 (written after update 29) holds.
  EXPECT_TRUE(best == ReadFile(dir_ + "/run_iter_30.caffemodel")) << "the best model is not iteration 30's";
  EXPECT_FALSE(best == ReadFile(dir_ + "/run_iter_20.caffemodel"));
  EXPECT_FALSE(Exists(dir_ + "/run_iter_70.caffemodel"));
}

TEST_F(EarlyStop, LowerIsBetterForALossAndPatienceZeroNeverStops) {
  // Read as a loss the same curve improves at 0 only (0.10 is its lowest).
  SolverParameter p = Param("loss");
  p.set_early_stop_mode(SolverParameter::MINIMIZE);
  p.set_max_iter(200);
  auto solver = SolverRegistry::Create(p);
  solver->Solve();
  EXPECT_EQ(solver->iter(), 30);  // passes at 10, 20, 30 are no improvement
  SolverParameter q = Param("keep");
  q.set_patience(0);
  q.set_max_iter(90);
  auto keep = SolverRegistry::Create(q);
  keep->Solve();
  EXPECT_FALSE(keep->stopped_early());
  EXPECT_EQ(keep->iter(), 90);
  // 0.60 at 80 beat 0.55 by more than 0.02; 0.61 at 90 did not beat 0.60.
  // The final snapshot (written before the last test pass, at 90) says so.
  SolverState state;
  ReadProtoFromBinaryFile(dir_ + "/keep_iter_90.solverstate", &state);
  ASSERT_TRUE(state.has_early_stop());
  EXPECT_EQ(state.early_stop().best_iter(), 80);
  EXPECT_FLOAT_EQ(state.early_stop().best_score(), 0.60f);
  EXPECT_EQ(state.early_stop().passes_since_best(), 0);
  EXPECT_EQ(state.early_stop().best_model(), dir_ + "/keep_best.caffemodel");
}

TEST_F(EarlyStop, AResumedRunStopsWhereAStraightOneDoes) {
  for (const auto format : {SolverParameter::BINARYPROTO, SolverParameter::HDF5}) {
    const bool h5 = format == SolverParameter::HDF5;
    SCOPED_TRACE(h5 ? "HDF5" : "binary");
    const std::string tag = h5 ? "h5_" : "pb_";
    SolverParameter straight = Param(tag + "straight");
    straight.set_snapshot_format(format);
    auto ref = SolverRegistry::Create(straight);
    ref->Solve();
    EXPECT_EQ(ref->iter(), 60);

    // Stopped at 40, between the best pass (30) and the stop (60): the state
    // must carry the best score and the count of passes without improvement.
    SolverParameter first = Param(tag + "first");
    first.set_snapshot_format(format);
    first.set_max_iter(40);
    SolverRegistry::Create(first)->Solve();

    SolverParameter second = Param(tag + "resumed");
    second.set_snapshot_format(format);
    auto resumed = SolverRegistry::Create(second);
    resumed->Solve(dir_ + "/" + tag + "first_iter_40" + (h5 ? ".solverstate.h5" : ".solverstate"));
    EXPECT_TRUE(resumed->stopped_early());
    EXPECT_EQ(resumed->iter(), 60);
    const auto& wa = ref->net().learnable_params();
    const auto& wb = resumed->net().learnable_params();
    ASSERT_EQ(wa.size(), wb.size());
    for (size_t i = 0; i < wa.size(); ++i) {
      const std::vector<float> a(wa[i]->cpu_data(), wa[i]->cpu_data() + wa[i]->count());
      const std::vector<float> b(wb[i]->cpu_data(), wb[i]->cpu_data() + wb[i]->count());
      EXPECT_EQ(a, b) << "param " << i << ": resumed weights differ from the straight run's";
    }
    const std::string ext = h5 ? ".caffemodel.h5" : ".caffemodel";
    EXPECT_TRUE(Exists(dir_ + "/" + tag + "resumed_iter_60" + ext));
    // The best model was written before the resume, by the first run.
    EXPECT_TRUE(Exists(dir_ + "/" + tag + "first_best" + ext));
    EXPECT_FALSE(Exists(dir_ + "/" + tag + "resumed_best" + ext));
    if (!h5) {
      EXPECT_TRUE(ReadFile(dir_ + "/" + tag + "first_best" + ext) == ReadFile(dir_ + "/" + tag + "straight_best" + ext));
    }
  }
}

// The rate depends on the iteration alone, so a resumed cosine run with
// restarts and a warm-up ends on the straight run's weights, bit for bit.
TEST_F(EarlyStop, CosineWithWarmupResumesBitExactly) {
  SolverParameter base = Param("cos");
  base.clear_early_stop_output();
  base.set_lr_policy("cosine");
  base.set_cosine_period(12);
  base.set_cosine_period_mult(2);
  base.set_cosine_min_lr(0.001f);
  base.set_warmup_iter(7);
  base.set_warmup_policy("exponential");
  base.set_type("AdamW");
  base.set_momentum2(0.999f);
  base.set_weight_decay(0.05f);
  SolverParameter straight = base;
  straight.set_max_iter(40);
  straight.set_snapshot_prefix(dir_ + "/cos_straight");
  SolverRegistry::Create(straight)->Solve();
  SolverParameter first = base;
  first.set_max_iter(5);  // inside the warm-up
  first.set_snapshot_prefix(dir_ + "/cos_first");
  SolverRegistry::Create(first)->Solve();
  SolverParameter second = base;
  second.set_max_iter(40);
  second.set_snapshot_prefix(dir_ + "/cos_resumed");
  SolverRegistry::Create(second)->Solve(dir_ + "/cos_first_iter_5.solverstate");
  const std::string a = ReadFile(dir_ + "/cos_straight_iter_40.caffemodel");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == ReadFile(dir_ + "/cos_resumed_iter_40.caffemodel")) << "resumed weights differ";
  EXPECT_FALSE(a == ReadFile(dir_ + "/cos_first_iter_5.caffemodel"));
}

TEST_F(EarlyStop, BadFieldsAreOneClearLine) {
  SolverParameter p = Param("bad");
  p.set_patience(-1);
  EXPECT_EQ(test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); }),
            "s.prototxt: patience must be >= 0 (test passes without improvement before training stops; 0 = never "
            "stop; got -1)");
  p = Param("bad");
  p.set_early_stop_output("accuracy");
  EXPECT_EQ(test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); }),
            "s.prototxt: early_stop_output \"accuracy\" is not an output of test net #0 (its outputs: score)");
  p = Param("bad");
  p.set_early_stop_net(1);
  EXPECT_NE(test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); }).find("early_stop_net 1 is not a test net"),
            std::string::npos);
  p = Param("bad");
  p.set_test_interval(0);
  EXPECT_NE(test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); }).find("needs test_interval > 0"),
            std::string::npos);
  p = Param("bad");
  p.set_min_delta(-0.1f);
  EXPECT_NE(test::ErrorOf([&] { SolverRegistry::Create(p, "s.prototxt"); }).find("min_delta must be a number >= 0"),
            std::string::npos);
}

TEST_F(EarlyStop, TheToolSaysWhichIterationWasBestOrRefusesInOneLine) {
  SolverParameter p = Param("cli");
  WriteProtoToTextFile(p, dir_ + "/solver.prototxt");
  std::string out;
  ASSERT_EQ(test::RunCommand(test::ToolPath() + " train --solver=" + dir_ + "/solver.prototxt", &out), 0) << out;
  EXPECT_NE(out.find("Early stopping at iteration 60: score has not improved by more than 0.02 for 3 test passes; "
                     "score: best 0.55 at iteration 30 (" + dir_ + "/cli_best.caffemodel)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Stopped early at iteration 60; best model: score: best 0.55 at iteration 30 (" + dir_ +
                     "/cli_best.caffemodel)\n"),
            std::string::npos)
      << out;

  p.set_early_stop_output("acuracy");
  WriteProtoToTextFile(p, dir_ + "/bad.prototxt");
  EXPECT_EQ(test::RunCommand(test::ToolPath() + " train --solver=" + dir_ + "/bad.prototxt", &out), 1);
  EXPECT_NE(out.find("cnn: error: " + dir_ + "/bad.prototxt: early_stop_output \"acuracy\" is not an output of "
                     "test net #0 (its outputs: score)"),
            std::string::npos)
      << out;
  p.set_early_stop_output("score");
  p.set_patience(-2);
  WriteProtoToTextFile(p, dir_ + "/bad.prototxt");
  EXPECT_EQ(test::RunCommand(test::ToolPath() + " train --solver=" + dir_ + "/bad.prototxt", &out), 1);
  EXPECT_NE(out.find("patience must be >= 0"), std::string::npos) << out;
}

}  // namespace
}  // namespace cnn
