// `cnn train`: trains a net from a solver file, from scratch, from a
// snapshot (--snapshot) or from pretrained weights (--weights). Ctrl-C and
// SIGHUP are turned into solver actions so a run is never cut mid-write.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
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

}  // namespace

int TrainCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("train", args);
  CNN_CHECK(!FLAGS_solver.empty(), "cnn train needs --solver=SOLVER.prototxt");
  CNN_CHECK(FLAGS_snapshot.empty() || FLAGS_weights.empty(),
            "give either --snapshot (resume training) or --weights (fine-tune), not both");
  const SolverAction on_int = ParseEffect("sigint_effect", FLAGS_sigint_effect);
  const SolverAction on_hup = ParseEffect("sighup_effect", FLAGS_sighup_effect);
  CNN_CHECK(FLAGS_progress == "auto" || FLAGS_progress == "always" || FLAGS_progress == "never",
            "--progress must be auto, always or never, got '" << FLAGS_progress << "'");
  const bool level_chosen = !gflags::GetCommandLineFlagInfoOrDie("minloglevel").is_default;
  const bool progress = FLAGS_progress == "always" || (FLAGS_progress == "auto" && !level_chosen && isatty(2));
  // Training reports progress through glog's INFO lines, in Caffe's format;
  // on a terminal the progress line takes their place (warnings still show).
  if (!level_chosen) FLAGS_minloglevel = progress ? google::GLOG_WARNING : google::GLOG_INFO;

  SolverParameter param = ReadSolverParamsFromTextFile(FLAGS_solver);
  if (!FLAGS_log_json.empty()) param.set_log_json(FLAGS_log_json);
  ApplyLevelAndStages(param.mutable_train_state());
  if (GpuFromFlag() >= 0) {
    SelectGpu(GpuFromFlag());
  } else if (param.solver_mode() == SolverParameter::GPU && param.has_solver_mode()) {
    LOG(INFO) << "solver_mode: GPU in " << FLAGS_solver << " is ignored without --gpu; training on the CPU";
  }

  ApplyEngineFlag();
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
  solver->set_action_callback([&signals] { return signals.Poll(); });
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
  const std::string memory = GpuMemoryReport();
  if (!memory.empty()) LOG(INFO) << memory;
  return 0;
}

}  // namespace tool
}  // namespace cnn
