// Early stopping and the best model (SolverParameter.early_stop_output and
// the fields after it): each round of test passes scores one test output;
// an improvement writes the train net's weights to <prefix>_best.caffemodel,
// and `patience` rounds in a row without one ask the solver to stop. The
// score keeping goes into the solver state, so a resumed run stops where a
// straight one does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/net/net.hpp"

namespace cnn {

class EarlyStopping {
 public:
  // Checks the fields against the test nets (the output must be one of test
  // net early_stop_net's); Error "<source>: ..." when they do not fit.
  EarlyStopping(const SolverParameter& param, const std::vector<std::unique_ptr<Net>>& test_nets,
                const std::string& source);

  bool active() const { return index_ >= 0; }
  // Whether Observe writes <prefix>_best files (the solver checks the folder can be written).
  bool writes_best() const { return active() && param_.keep_best_model(); }
  // One round of test passes at `iter` (`scores` as Solver::TestAll returns
  // them); writes the best model from `train_net` on an improvement.
  // Returns true when training should stop.
  bool Observe(int iter, const std::vector<std::vector<float>>& scores, const Net& train_net);
  // "accuracy: best 0.93 at iteration 400 (lenet_best.caffemodel)", or empty before a test pass.
  std::string Summary() const;

  const EarlyStopState& state() const { return state_; }
  void Restore(const EarlyStopState& state) { state_ = state; }

  // Where the best model goes (the path Observe writes).
  std::string BestModelPath() const;

 private:
  SolverParameter param_;
  std::string output_;  // the name as the user wrote it
  int index_ = -1;      // into the test net's scores
  bool maximize_ = true;
  EarlyStopState state_;
};

}  // namespace cnn
