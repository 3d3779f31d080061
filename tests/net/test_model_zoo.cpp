// Every net of models/ builds, trains two SGD iterations with its own solver
// (Data layers swapped for DummyData of the same shapes, batch 1), and its
// deploy net runs in `cnn time`; and the committed files are what
// models/zoo.py writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(test::SourcePath("models"))) {
    if (std::filesystem::exists(entry.path() / "solver.prototxt")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string NetFile(const std::string& model) {
  const std::string dir = test::SourcePath("models/" + model + "/");
  return test::PathExists(dir + "train_val.prototxt") ? dir + "train_val.prototxt" : dir + "train_test.prototxt";
}

// A Data (or ImageData) layer's tops as DummyData of the shapes its records would give:
// images 3 x crop x crop (3 x 32 x 32 for CIFAR-10, 1 x 28 x 28 for LeNet's
// MNIST-style data, 16 x 64 x 64 for the c3d clips, 1 x 1 x 16 token ids for
// the text models), labels one class index per image, label maps (a Data
// layer whose only top is "label") one index per pixel of a 64 x 64 image.
void ReplaceDataLayers(NetParameter* net, int batch) {
  for (LayerParameter& lp : *net->mutable_layer()) {
    if (lp.type() != "Data" && lp.type() != "ImageData") continue;
    const std::string source =
        lp.type() == "ImageData" ? lp.image_data_param().source() : lp.data_param().source();
    const int crop = static_cast<int>(lp.transform_param().crop_size());
    const bool segmentation = lp.top_size() == 1 && lp.top(0) == "label";
    const bool mnist = source.find("mnist") != std::string::npos;
    // models/c3d_clips: clips of 16 frames of 64 x 64, one channel per frame.
    const bool clips = source.find("c3d_clips") != std::string::npos;
    const int channels = clips ? 16 : mnist ? 1 : 3;
    const int side = clips || segmentation || lp.top_size() == 1 ? 64 : (crop > 0 ? crop : (mnist ? 28 : 32));
    // models/text_cnn, text_bow: 1 x 1 x 16 token ids, which must be valid Embed rows.
    const bool text = source.find("debian_sections") != std::string::npos;
    lp.set_type("DummyData");
    lp.clear_data_param();
    lp.clear_image_data_param();
    lp.clear_transform_param();
    DummyDataParameter* dummy = lp.mutable_dummy_data_param();
    for (int t = 0; t < lp.top_size(); ++t) {
      BlobShape* shape = dummy->add_shape();
      FillerParameter* filler = dummy->add_data_filler();
      if (lp.top(t) == "label") {
        shape->add_dim(batch);
        if (segmentation) {
          for (int d : {1, side, side}) shape->add_dim(d);
        }
        filler->set_type("constant");
        filler->set_value(1);
      } else if (text) {
        for (int d : {batch, 1, 1, 16}) shape->add_dim(d);
        filler->set_type("constant");
        filler->set_value(1);
      } else {
        for (int d : {batch, channels, side, side}) shape->add_dim(d);
        filler->set_type("gaussian");
        filler->set_std(1);
      }
    }
  }
}

class ModelZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelZoo, TrainsTwoIterations) {
  const std::string model = GetParam();
  SolverParameter solver = ReadSolverParamsFromTextFile(test::SourcePath("models/" + model + "/solver.prototxt"));
  NetParameter net = ReadNetParamsFromTextFile(NetFile(model));
  ReplaceDataLayers(&net, 1);
  solver.clear_net();
  *solver.mutable_net_param() = net;
  solver.set_max_iter(2);
  solver.set_test_interval(0);
  solver.clear_test_iter();
  const auto test_states = solver.test_state();
  solver.clear_test_state();
  solver.clear_early_stop_output();  // early stopping needs the test nets cleared above
  solver.set_snapshot(0);
  solver.set_snapshot_after_train(false);
  solver.set_display(0);
  solver.set_random_seed(1701);
  auto s = SolverRegistry::Create(solver, model + "/solver.prototxt");
  s->Solve();
  EXPECT_EQ(s->iter(), 2);
  EXPECT_TRUE(std::isfinite(s->smoothed_loss())) << s->smoothed_loss();
  // The TEST phase builds and runs too (accuracy layers, ...), once per test
  // net the solver asks for (the text models test on a "val" and a "test" stage).
  std::vector<NetState> states(test_states.begin(), test_states.end());
  if (states.empty()) states.emplace_back();
  for (NetState state : states) {
    state.set_phase(TEST);
    NetParameter test_net = net;
    *test_net.mutable_state() = state;
    Net built(test_net);
    built.Forward();
  }
}

TEST_P(ModelZoo, DeployNetRunsInCnnTime) {
  const std::string deploy = test::SourcePath("models/" + GetParam() + "/deploy.prototxt");
  const auto r = test::Cnn("time --model=" + deploy + " --iterations=1 --warmup=0 --batch=1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Average Forward-Backward: "), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Models, ModelZoo, ::testing::ValuesIn(ModelNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ModelZooFiles, MatchTheGenerator) {
  std::string out;
  const int status = test::RunCommand("python3 '" + test::SourcePath("models/zoo.py") + "' --check", &out);
  EXPECT_EQ(status, 0) << out;
}

}  // namespace
}  // namespace cnn
