// `cnn train`: trains a net from a solver file, from scratch, from a
// snapshot (--snapshot) or from pretrained weights (--weights). Ctrl-C and
// SIGHUP are turned into solver actions so a run is never cut mid-write.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/parallel/data_parallel.hpp"
#include "cnn/parallel/gpu_launch.hpp"
#include "cnn/parallel/gpu_plan.hpp"
#include "cnn/parallel/launch.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "commands.hpp"
#include "device.hpp"
#include "progress_line.hpp"

DEFINE_string(solver, "", "The solver definition (prototxt).");
DEFINE_string(snapshot, "", "A .solverstate to resume training from.");
DEFINE_string(sigint_effect, "stop", "What Ctrl-C (SIGINT) does: stop (after a snapshot), snapshot, or none.");
DEFINE_string(sighup_effect, "snapshot", "What SIGHUP does: snapshot (and go on), stop, or none.");
DEFINE_bool(allow_nonfinite, false,
            "Train on when the loss or a gradient becomes NaN or infinite (by default training stops with an "
            "error naming the iteration and the first layer that went non-finite).");
DEFINE_string(log_json, "",
              "Write one JSON object per line for every display, test and snapshot event to this file (overrides "
              "the solver's log_json).");
DEFINE_string(progress, "auto",
              "A single updating progress line instead of glog's INFO lines: auto (when stderr is a terminal and "
              "--minloglevel is not given), always, or never.");

DEFINE_bool(check_replicas, false,
            "Data-parallel runs (mpirun -np N cnn train): compare a checksum of the weights across ranks every "
            "`display` iterations and stop when they differ.");
DEFINE_double(collective_timeout, 0,
              "Data-parallel runs: seconds a rank waits in one all-reduce or barrier before ending the whole run as "
              "hung (0: wait as long as it takes; a rank that dies is reported by mpirun at once).");

namespace cnn {
namespace tool {
namespace {

std::atomic<int> g_sigint{0};
std::atomic<int> g_sighup{0};

void OnSignal(int sig) {
  if (sig == SIGINT) g_sigint.fetch_add(1);
  if (sig == SIGHUP) g_sighup.fetch_add(1);
}

SolverAction ParseEffect(const std::string& flag, const std::string& value) {
  if (value == "stop") return SolverAction::STOP;
  if (value == "snapshot") return SolverAction::SNAPSHOT;
  if (value == "none") return SolverAction::NONE;
  CNN_THROW("--" << flag << " must be stop, snapshot or none, got '" << value << "'");
}

// Installs the handlers for the lifetime of a training run and restores the
// previous ones afterwards, so a second Ctrl-C outside training still kills.
class SignalGuard {
 public:
  SignalGuard(SolverAction on_int, SolverAction on_hup) : on_int_(on_int), on_hup_(on_hup) {
    struct sigaction sa = {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    // "none" ignores the signal, as Caffe does; the default action would kill.
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, on_int_ == SolverAction::NONE ? &ignore : &sa, &old_int_);
    sigaction(SIGHUP, on_hup_ == SolverAction::NONE ? &ignore : &sa, &old_hup_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGHUP, &old_hup_, nullptr);
  }
  SolverAction Poll() const {
    if (g_sigint.exchange(0) > 0) {
      LOG(WARNING) << "SIGINT received: " << (on_int_ == SolverAction::STOP ? "snapshotting and stopping" : "snapshotting");
      return on_int_;
    }
    if (g_sighup.exchange(0) > 0) {
      LOG(WARNING) << "SIGHUP received: " << (on_hup_ == SolverAction::STOP ? "snapshotting and stopping" : "snapshotting");
      return on_hup_;
    }
    return SolverAction::NONE;
  }

 private:
  SolverAction on_int_, on_hup_;
  struct sigaction old_int_ = {}, old_hup_ = {};
};

// `gpu` < 0 trains on the CPU; `in_thread`: one of several replicas of this
// process (`--gpu=0,1`), which share glog's settings.
int Train(const std::vector<std::string>& args, int gpu, bool in_thread);

// `cnn train --gpu=0,1|all`: one replica per GPU, each in a thread of its own
// with its own net, solver, data shard and NCCL communicator (World() is
// per thread); rank 0 (the first GPU listed) logs, tests and snapshots.
int TrainOnGpus(const std::vector<std::string>& args, const std::vector<int>& devices) {
  std::vector<std::unique_ptr<parallel::Communicator>> comms = parallel::StartGpuThreads(devices);
  ApplyThreadsFlag();
  ApplyEngineFlag();
  std::vector<int> codes(devices.size(), 1);
  std::vector<std::thread> threads;
  for (size_t r = 0; r < devices.size(); ++r) {
    threads.emplace_back([&, r] {
      parallel::SetWorld(std::move(comms[r]));
      parallel::Communicator& world = parallel::World();
      try {
        codes[r] = Train(args, devices[r], true);
        parallel::LeaveRun();
      } catch (const std::exception& e) {
        std::string message = e.what();
        std::replace(message.begin(), message.end(), '\n', ' ');
        std::cerr << "cnn: error: rank " << r << " of " << devices.size() << " (GPU " << devices[r]
                  << "): " << message << std::endl;
        world.Abort(1);  // ends the process: the other replicas would wait in their next all-reduce
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return *std::max_element(codes.begin(), codes.end());
}

}  // namespace

// A rank that fails must end the run: the others would wait for it in the
// next all-reduce. Its message names it.
int TrainCommand(const std::vector<std::string>& args) {
  // The driver is asked for its devices only when --gpu names some, so a CPU
  // run of a CUDA build never initialises CUDA.
  const bool wants_gpu = !FLAGS_gpu.empty() && FLAGS_gpu != "-1";
  const parallel::GpuPlan plan =
      parallel::PlanGpus(FLAGS_gpu, wants_gpu ? Context::gpu_count() : 0, parallel::LaunchedWorldSize(),
                         parallel::LaunchedLocalRank(), parallel::ThisBuild());
  if (plan.kind == parallel::GpuPlan::Kind::THREADS) return TrainOnGpus(args, plan.devices);
  const int gpu = plan.devices.empty() ? -1 : plan.devices[0];
  if (plan.kind == parallel::GpuPlan::Kind::RANKS)
    parallel::JoinLaunchedGpuRun(FLAGS_collective_timeout, gpu);
  else
    parallel::JoinLaunchedRun(FLAGS_collective_timeout);
  parallel::Communicator& world = parallel::World();
  if (world.size() == 1) return Train(args, gpu, false);
  try {
    const int rc = Train(args, gpu, false);
    parallel::LeaveRun();
    return rc;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "cnn: error: rank " << world.rank() << " of " << world.size() << ": " << message << std::endl;
    world.Abort(1);
  }
  return 1;  // not reached: Abort ends the process
}

namespace {

int Train(const std::vector<std::string>& args, int gpu, bool in_thread) {
  ExpectNoArguments("train", args);
  CNN_CHECK(!FLAGS_solver.empty(), "cnn train needs --solver=SOLVER.prototxt");
  CNN_CHECK(FLAGS_snapshot.empty() || FLAGS_weights.empty(),
            "give either --snapshot (resume training) or --weights (fine-tune), not both");
  const SolverAction on_int = ParseEffect("sigint_effect", FLAGS_sigint_effect);
  const SolverAction on_hup = ParseEffect("sighup_effect", FLAGS_sighup_effect);
  CNN_CHECK(FLAGS_progress == "auto" || FLAGS_progress == "always" || FLAGS_progress == "never",
            "--progress must be auto, always or never, got '" << FLAGS_progress << "'");
  parallel::Communicator& world = parallel::World();
  const bool level_chosen = !gflags::GetCommandLineFlagInfoOrDie("minloglevel").is_default;
  // Rank 0 alone reports; the others show errors only.
  if (world.rank() > 0 && !level_chosen && !in_thread) FLAGS_minloglevel = google::GLOG_ERROR;
  const bool progress = world.rank() == 0 && (FLAGS_progress == "always" ||
                                              (FLAGS_progress == "auto" && !level_chosen && isatty(2)));
  // Training reports progress through glog's INFO lines, in Caffe's format;
  // on a terminal the progress line takes their place (warnings still show).
  if (!level_chosen && world.rank() == 0) FLAGS_minloglevel = progress ? google::GLOG_WARNING : google::GLOG_INFO;

  SolverParameter param = ReadSolverParamsFromTextFile(FLAGS_solver);
  if (!FLAGS_log_json.empty()) param.set_log_json(FLAGS_log_json);
  ApplyLevelAndStages(param.mutable_train_state());
  // Process-wide settings: the replica threads' caller applied them once.
  if (!in_thread) ApplyThreadsFlag();
  if (gpu >= 0) {
    SelectGpu(gpu);
  } else if (param.solver_mode() == SolverParameter::GPU && param.has_solver_mode()) {
    LOG(INFO) << "solver_mode: GPU in " << FLAGS_solver << " is ignored without --gpu; training on the CPU";
  }

  if (!in_thread) ApplyEngineFlag();
  const int snapshot_interval = param.snapshot();
  // Rank 0 alone runs the test passes; the others learn from it when early stopping ends the run.
  const int test_interval = param.test_interval();
  const bool test_initialization = param.test_initialization();
  const bool early_stopping = !param.early_stop_output().empty() && param.patience() > 0;
  if (world.size() > 1) {
    const int threads = parallel::ShareCores(parallel::RanksOnThisHost());
    LOG(INFO) << "Data-parallel training: " << world.size() << " ranks, each reading its share of every global batch"
              << (threads > 0 ? "; " + std::to_string(threads) + " BLAS/OpenMP thread(s) per rank" : std::string());
    if (world.rank() > 0) parallel::DropRankZeroDuties(&param);
    parallel::SetTrainDataShard({world.rank(), world.size()});
  }

  auto solver = SolverRegistry::Create(param, FLAGS_solver);
  std::vector<std::string> weights(param.weights().begin(), param.weights().end());
  for (const auto& w : SplitList(FLAGS_weights)) weights.push_back(w);
  for (const auto& w : weights) {
    LOG(INFO) << "Fine-tuning from " << w;
    solver->net().CopyTrainedLayersFromFile(w);
  }
  if (!weights.empty()) {
    // Usual when fine-tuning (a new classifier), so a warning, not an error.
    for (const auto& name : solver->net().LayersWithoutTrainedWeights())
      LOG(WARNING) << "layer '" << name << "' has no weights in the --weights file(s): it starts from its fillers";
  }

  solver->set_allow_nonfinite(FLAGS_allow_nonfinite);
  SignalGuard signals(on_int, on_hup);
  std::unique_ptr<parallel::DataParallel> data_parallel;
  if (world.size() > 1) {
    parallel::DataParallel::Options options;
    options.check_replicas = FLAGS_check_replicas;
    options.snapshot_interval = snapshot_interval;
    options.test_interval = test_interval;
    options.test_initialization = test_initialization;
    options.early_stopping = early_stopping;
    data_parallel = std::make_unique<parallel::DataParallel>(solver.get(), &world, options);
    data_parallel->set_local_action([&signals] { return signals.Poll(); });
    parallel::DataParallel* dp = data_parallel.get();
    solver->set_action_callback([dp] { return dp->TakeAgreedAction(); });
    solver->set_writes_snapshots(world.rank() == 0);
  } else {
    solver->set_action_callback([&signals] { return signals.Poll(); });
  }
  std::unique_ptr<ProgressLine> line;
  if (progress) {
    line = std::make_unique<ProgressLine>(stderr);
    ProgressLine* l = line.get();
    solver->add_listener([l](const TrainingEvent& e) { l->OnEvent(e); });
  }
  solver->Solve(FLAGS_snapshot);
  if (line) line->Finish();

  const auto& scores = solver->last_test_scores();
  for (size_t n = 0; n < scores.size(); ++n) {
    const Net& net = *solver->test_nets()[n];
    size_t k = 0;
    for (const Blob* out : net.output_blobs()) {
      const std::string name = net.blob_name(out);
      for (int j = 0; j < out->count() && k < scores[n].size(); ++j, ++k)
        std::cout << "Final test net #" << n << " (iteration " << solver->last_test_iter() << "): " << name << " = "
                  << scores[n][k] << "\n";
    }
  }
  // On stdout as the scores are: a terminal's progress line hides glog's INFO lines.
  const std::string best = solver->best_model_summary();
  if (!best.empty())
    std::cout << (solver->stopped_early() ? "Stopped early at iteration " + std::to_string(solver->iter()) + "; " : "")
              << "best model: " << best << "\n";
  const std::string memory = GpuMemoryReport();
  if (!memory.empty()) LOG(INFO) << memory;
  if (world.rank() == 0) PrintPeakMemory();
  return 0;
}

}  // namespace
}  // namespace tool
}  // namespace cnn
