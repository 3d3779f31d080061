// Synchronous data parallelism over a Communicator: every rank holds the
// whole net and a Solver of its own; after each iteration's backward passes
// (iter_size of them, accumulated locally first) the parameter gradients
// are summed over the ranks and divided by the number of ranks, so each rank
// applies the update one process would with the global batch N·B: a loss
// normalised by its batch (Caffe's default, VALID or BATCH_SIZE) makes each
// rank's gradient the mean over its B records, and the mean of N such means
// is the mean over N·B. Losses with normalization NONE are sums, and their
// gradients are summed without the division. The update then runs on every
// rank on identical gradients and weights, so the weights stay identical.
//
// On the CPU the all-reduce overlaps backward: a parameter's non-blocking
// all-reduce starts as soon as the lowest layer using it has run its last
// backward pass of the iteration, and the solver's gradients-ready hook
// waits for them all. Whatever did not start then (GPU mode, debug_info)
// travels after backward in buckets (kBucketFloats) packed from the last
// layer's parameters to the first's.
//
// With the same all-reduce the ranks also agree on what a signal asked for
// (any rank's SIGINT or SIGHUP acts on all at the same iteration) and
// average the train net's outputs, so rank 0's display shows the global
// batch's accuracy and loss outputs.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <vector>

#include "cnn/parallel/communicator.hpp"
#include "cnn/solvers/solver.hpp"

namespace cnn {
namespace parallel {

class DataParallel {
 public:
  struct Options {
    // Compare a checksum of the weights across ranks every `display`
    // iterations; a difference stops the run naming the iteration and rank.
    bool check_replicas = false;
    // The solver's snapshot interval: rank 0 writes, the others wait for it
    // at a barrier (their own SolverParameter has snapshots off).
    int snapshot_interval = 0;
    // Rank 0's test schedule (test_interval, test_initialization) where it
    // stops early (patience > 0): after each of its test passes it tells the
    // others whether to stop, so every rank ends at the same iteration.
    int test_interval = 0;
    bool test_initialization = true;
    bool early_stopping = false;
  };
  // Hooks into `solver` (which must outlive this) and makes every rank start
  // from rank 0's weights. Throws Error when the train net reads its data
  // through a layer that does not shard records across ranks.
  DataParallel(Solver* solver, Communicator* comm, Options options);

  // What this rank's signal handlers ask for; polled once per iteration.
  void set_local_action(std::function<SolverAction()> poll) { local_action_ = std::move(poll); }
  // For the solver's action callback: what the ranks agreed on at the last
  // all-reduce (NONE otherwise, during test passes included, so every rank
  // acts at the same iteration).
  SolverAction TakeAgreedAction();

  // A checksum of the weights (their bytes), the same on every rank while
  // they are in step.
  static uint64_t WeightChecksum(const Net& net);

 private:
  void OnStart();
  void OnLayerBackward(int layer);
  void OnGradientsReady();
  bool AgreeStop(bool stop);
  void CheckReplicas();

  Solver* solver_;
  Communicator* comm_;
  Options options_;
  float gradient_scale_ = 1.f;
  std::function<SolverAction()> local_action_;
  SolverAction agreed_ = SolverAction::NONE;
  bool snapshot_pending_ = false;
  std::vector<float> bucket_;
  bool overlap_ = false;
  std::vector<std::vector<int>> ready_at_;  // per layer: learnable params complete after its backward
  std::vector<char> started_;               // per learnable param: all-reduce started this iteration
  int passes_ = 1, last_layer_ = INT_MAX;   // backward passes seen this iteration
  double exchange_s_ = 0;  // time in the all-reduce since the last display
  int exchanges_ = 0;
};

}  // namespace parallel
}  // namespace cnn
