// Solver: owns the train net and the test nets described by a
// SolverParameter, runs the iteration loop (forward/backward, update, display,
// periodic tests and snapshots) and saves/restores its state. The update rule
// itself is left to subclasses (sgd_solver.hpp and the adaptive solvers).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/net/net.hpp"

namespace cnn {

class EarlyStopping;
class EpochCounter;
class JsonTrainingLog;

// What a signal handler (or any caller) asks the loop to do between iterations.
enum class SolverAction { NONE, SNAPSHOT, STOP };

// What the loop reports as it goes, with the figures its glog lines print,
// for listeners that want numbers (the JSON log, the terminal progress line).
struct TrainingEvent {
  enum Kind {
    ITERATION,  // after every iteration's forward/backward (loss, lr only)
    DISPLAY,    // every `display` iterations: the glog "Iteration N" block
    TEST,       // one test net's pass
    SNAPSHOT,   // a snapshot was written
  };
  Kind kind = ITERATION;
  int iter = 0;
  int max_iter = 0;
  double elapsed_s = 0;    // since this Solver was made
  float loss = 0;          // smoothed over average_loss (DISPLAY, ITERATION)
  float lr = 0;            // the rate this iteration's update uses
  double iters_per_s = 0;  // since the previous display (0 when unknown)
  int test_net = -1;       // TEST: which test net
  // DISPLAY: the train net's outputs; TEST: the averaged test outputs (and
  // "total_loss" with test_compute_loss). An output of several values is named
  // "name[k]".
  std::vector<std::pair<std::string, float>> outputs;
  std::string model_file, state_file;  // SNAPSHOT
  double epoch = -1;  // iterations as passes over the train set; negative when its size is unknown
  // DISPLAY with log_grad_norms: each layer's parameter-gradient L2 norm.
  std::vector<std::pair<std::string, float>> grad_norms;
};

class Solver {
 public:
  // Builds the nets. `source` names the solver file (for messages and for the
  // default snapshot prefix); it may be empty for an in-memory parameter.
  Solver(const SolverParameter& param, const std::string& source = "");
  virtual ~Solver() = default;
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  // Trains to max_iter, resuming from a .solverstate when given.
  void Solve(const std::string& resume_file = "");
  // Runs `iters` iterations from the current one.
  void Step(int iters);
  // Runs every test net once; returns, per test net, its averaged outputs.
  std::vector<std::vector<float>> TestAll();

  // Writes <prefix>_iter_N.caffemodel and .solverstate (atomically; with snapshot_format
  // HDF5 .caffemodel.h5 and .solverstate.h5 in Caffe's HDF5 layout); returns the model path.
  std::string Snapshot();
  void Restore(const std::string& state_file);

  // By default an iteration whose loss or gradient is NaN or infinite stops
  // training with an Error naming the iteration and the first layer that
  // went non-finite, before the weights are updated or a snapshot written.
  // Allowed, training goes on (with one warning), as Caffe's does.
  void set_allow_nonfinite(bool allow) { allow_nonfinite_ = allow; }
  // False on the ranks of a data-parallel run other than rank 0: Snapshot()
  // (periodic, on a signal, at the end) then writes nothing there.
  void set_writes_snapshots(bool writes) { writes_snapshots_ = writes; }

  // Polled once per iteration; SNAPSHOT and STOP take effect after the update.
  void set_action_callback(std::function<SolverAction()> cb) { action_callback_ = std::move(cb); }
  // Called, in the order added, for every TrainingEvent. The solver adds
  // one itself when param.log_json() names a file.
  void add_listener(std::function<void(const TrainingEvent&)> listener) { listeners_.push_back(std::move(listener)); }

  // Hooks inside Step (pycaffe's Solver.add_callback): on_start at the top of
  // each iteration, after the gradients are cleared and any test pass;
  // on_gradients_ready once the iteration's gradients are summed, before the
  // update (where gradients from other workers would be merged). Kept apart
  // from the listeners on purpose: a callback acts on the net mid-iteration
  // (it may change the gradients, before the divergence check reads them),
  // a listener only reads an event's figures afterwards.
  // agree_stop, at the top of every iteration after the test pass that may
  // have run, is given whether this solver wants to stop there (early
  // stopping) and returns whether it stops: data-parallel ranks that run no
  // test passes learn rank 0's decision through it.
  struct Callback {
    std::function<void()> on_start;
    std::function<void()> on_gradients_ready;
    std::function<bool(bool)> agree_stop;
  };
  void add_callback(Callback cb) { callbacks_.push_back(std::move(cb)); }

  const SolverParameter& param() const { return param_; }
  Net& net() { return *net_; }
  const std::vector<std::unique_ptr<Net>>& test_nets() const { return test_nets_; }
  int iter() const { return iter_; }
  float smoothed_loss() const { return smoothed_loss_; }
  // Averaged outputs of each test net at its latest test pass (empty before one).
  const std::vector<std::vector<float>>& last_test_scores() const { return last_test_scores_; }
  // The iteration those scores were measured at (-1 before any test pass).
  int last_test_iter() const { return last_test_iter_; }
  // True once early stopping (early_stop_output) has ended training.
  bool stopped_early() const { return stopped_early_; }
  // "accuracy: best 0.93 at iteration 400 (prefix_best.caffemodel)"; empty
  // without early_stop_output or before its first test pass.
  std::string best_model_summary() const;
  virtual const char* type() const = 0;

 protected:
  // One parameter update from the accumulated gradients.
  virtual void ApplyUpdate() = 0;
  // Solver-specific history, saved in and restored from SolverState.history.
  std::vector<BlobPtr> history_;
  float GetLearningRate();

  SolverParameter param_;
  std::string source_;
  int iter_ = 0;
  int current_step_ = 0;
  std::unique_ptr<Net> net_;
  std::vector<std::unique_ptr<Net>> test_nets_;

 private:
  void InitTrainNet();
  void InitTestNets();
  std::vector<float> Test(int test_net_id);
  void UpdateSmoothedLoss(float loss, int start_iter);
  void DisplayOutputs(float loss, double iters_per_s);
  void UpdateDebugInfo() const;
  // Throws (or warns once, when allowed) when the iteration's loss or
  // gradient is not finite.
  void GuardAgainstDivergence(float loss);
  std::string SnapshotFilename(const std::string& extension) const;
  void SaveLayerStates(SolverState* state) const;
  void RestoreLayerStates(const SolverState& state, const std::string& state_file);

  // The rate the update at iter_ will use, without moving current_step_.
  float PeekLearningRate() const;
  void Emit(const TrainingEvent& event) const;
  TrainingEvent MakeEvent(TrainingEvent::Kind kind) const;

  std::function<SolverAction()> action_callback_;
  std::vector<Callback> callbacks_;
  std::vector<std::function<void(const TrainingEvent&)>> listeners_;
  std::shared_ptr<JsonTrainingLog> json_log_;  // one of the listeners, when log_json is set
  std::shared_ptr<EarlyStopping> early_stop_;   // inactive without early_stop_output
  std::shared_ptr<EpochCounter> epochs_;
  bool stopped_early_ = false;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::vector<float> losses_;
  float smoothed_loss_ = 0.f;
  bool requested_early_exit_ = false;
  bool allow_nonfinite_ = false;
  bool writes_snapshots_ = true;
  bool warned_nonfinite_ = false;
  std::vector<std::vector<float>> last_test_scores_;
  int last_test_iter_ = -1;
  int last_snapshot_iter_ = -1;
};

}  // namespace cnn
