#include "cnn/solvers/solver.hpp"

#include <glog/logging.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/hdf5_solver_state.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/nonfinite_search.hpp"
#include "cnn/solvers/early_stopping.hpp"
#include "cnn/solvers/json_training_log.hpp"
#include "cnn/solvers/lr_policy.hpp"
#include "cnn/solvers/solver_param_check.hpp"
#include "cnn/solvers/training_stats.hpp"

namespace cnn {
namespace {

std::string DirName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Caffe resolves net paths against the working directory; we also accept
// them relative to the solver file, which is what a user moving a model
// folder around expects.
std::string ResolvePath(const std::string& path, const std::string& source) {
  if (path.empty() || path[0] == '/' || FileExists(path) || source.empty()) return path;
  const std::string beside = DirName(source) + path;
  return FileExists(beside) ? beside : path;
}

}  // namespace

Solver::Solver(const SolverParameter& param, const std::string& source) : param_(param), source_(source) {
  CNN_CHECK(param_.snapshot_format() == SolverParameter::BINARYPROTO || hdf5::Available(),
            source_ << ": snapshot_format HDF5 needs a build with HDF5 (libhdf5-dev, -DCNN_WITH_HDF5=ON); "
                    << "use BINARYPROTO");
  CNN_CHECK(param_.iter_size() >= 1, source_ << ": iter_size must be at least 1");
  CNN_CHECK(param_.average_loss() >= 1, source_ << ": average_loss must be at least 1");
  ValidateLearningRatePolicy(param_, source_);
  if (param_.random_seed() >= 0) Context::set_random_seed(static_cast<uint64_t>(param_.random_seed()));
  if (!param_.has_snapshot_prefix() && !source_.empty()) {
    // Caffe's default: the solver file name without its extension.
    std::string prefix = source_;
    const auto dot = prefix.find_last_of('.');
    if (dot != std::string::npos && dot > prefix.find_last_of('/') + 1) prefix.resize(dot);
    param_.set_snapshot_prefix(prefix);
  }
  InitTrainNet();
  InitTestNets();
  early_stop_ = std::make_shared<EarlyStopping>(param_, test_nets_, source_);
  epochs_ = std::make_shared<EpochCounter>(*net_, param_.iter_size());
  if (!param_.log_json().empty()) {
    json_log_ = std::make_shared<JsonTrainingLog>(param_.log_json());
    std::shared_ptr<JsonTrainingLog> log = json_log_;
    listeners_.push_back([log](const TrainingEvent& e) { log->Write(e); });
  }
  // After the nets: a missing net or test_iter is the more basic mistake.
  CheckSolverNumbers(param_, source_);
  // Fail now, not after hours of training, when snapshots cannot be written.
  if (param_.snapshot() > 0 || param_.snapshot_after_train() || early_stop_->writes_best()) {
    const std::string probe = SnapshotFilename(".writecheck");
    // A missing snapshot folder is created (one level, like `mkdir`); a
    // folder that cannot be written is reported below.
    const std::string dir = DirName(probe);
    if (!dir.empty() && !FileExists(dir)) mkdir(dir.c_str(), 0755);
    FILE* f = std::fopen(probe.c_str(), "w");
    CNN_CHECK(f != nullptr, "cannot write snapshots to '" << DirName(probe) << "' (snapshot_prefix \""
                                                          << param_.snapshot_prefix() << "\")");
    std::fclose(f);
    std::remove(probe.c_str());
    const int stale = RemoveStaleTemporaries(param_.snapshot_prefix());
    if (stale > 0) LOG(INFO) << "Removed " << stale << " temporary snapshot file(s) left by an interrupted run";
  }
}

void Solver::InitTrainNet() {
  const int sources = param_.has_train_net_param() + param_.has_train_net() + param_.has_net_param() +
                      param_.has_net();
  CNN_CHECK(sources > 0, source_ << ": no train net: set one of net, net_param, train_net, train_net_param");
  CNN_CHECK(sources == 1, source_ << ": " << sources
                                  << " train nets given; set only one of net, net_param, train_net, train_net_param");
  NetParameter net_param;
  if (param_.has_train_net_param()) {
    net_param = param_.train_net_param();
  } else if (param_.has_train_net()) {
    net_param = ReadNetParamsFromTextFile(ResolvePath(param_.train_net(), source_));
  } else if (param_.has_net_param()) {
    net_param = param_.net_param();
  } else {
    net_param = ReadNetParamsFromTextFile(ResolvePath(param_.net(), source_));
  }
  NetState state;
  state.set_phase(TRAIN);
  state.MergeFrom(net_param.state());
  state.MergeFrom(param_.train_state());
  *net_param.mutable_state() = state;
  // The net logs per-layer data and gradient norms as it runs forward and backward.
  if (param_.debug_info()) net_param.set_debug_info(true);
  net_ = std::make_unique<Net>(net_param);
}

void Solver::InitTestNets() {
  const bool generic = param_.has_net_param() || param_.has_net();
  const int explicit_nets = param_.test_net_param_size() + param_.test_net_size();
  int instances = explicit_nets;
  if (generic) {
    // A shared train/test file yields one test net per test_iter entry.
    instances = std::max(explicit_nets, param_.test_iter_size());
  }
  CNN_CHECK(param_.test_iter_size() == instances,
            source_ << ": " << instances << " test net(s) but " << param_.test_iter_size()
                    << " test_iter value(s); give test_iter for each test net");
  CNN_CHECK(instances > 0 || param_.test_interval() <= 0,
            source_ << ": test_interval is " << param_.test_interval()
                    << " but no test net is defined; give test_iter (batches per test pass) for the test net");
  if (instances > 0 && param_.test_interval() <= 0)
    LOG(WARNING) << source_ << ": test_interval is not set; test nets run only at the end";
  CNN_CHECK(param_.test_state_size() == 0 || param_.test_state_size() == instances,
            source_ << ": " << param_.test_state_size() << " test_state value(s) for " << instances << " test net(s)");
  for (int i = 0; i < instances; ++i) {
    NetParameter net_param;
    if (i < param_.test_net_param_size()) {
      net_param = param_.test_net_param(i);
    } else if (i < explicit_nets) {
      net_param = ReadNetParamsFromTextFile(ResolvePath(param_.test_net(i - param_.test_net_param_size()), source_));
    } else if (param_.has_net_param()) {
      net_param = param_.net_param();
    } else {
      net_param = ReadNetParamsFromTextFile(ResolvePath(param_.net(), source_));
    }
    NetState state;
    state.set_phase(TEST);
    state.MergeFrom(net_param.state());
    if (param_.test_state_size() > 0) state.MergeFrom(param_.test_state(i));
    *net_param.mutable_state() = state;
    CNN_CHECK(param_.test_iter(i) > 0, source_ << ": test_iter for test net #" << i << " must be positive");
    test_nets_.push_back(std::make_unique<Net>(net_param));
    test_nets_.back()->ShareTrainedLayersWith(*net_);
  }
}

float Solver::GetLearningRate() { return LearningRate(param_, iter_, &current_step_); }

float Solver::PeekLearningRate() const {
  int step = current_step_;
  return LearningRate(param_, iter_, &step);
}

TrainingEvent Solver::MakeEvent(TrainingEvent::Kind kind) const {
  TrainingEvent e;
  e.kind = kind;
  e.iter = iter_;
  e.max_iter = param_.max_iter();
  e.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - created_).count();
  e.epoch = epochs_->Epoch(iter_);
  return e;
}

std::string Solver::best_model_summary() const { return early_stop_->Summary(); }

void Solver::Emit(const TrainingEvent& event) const {
  for (const auto& listener : listeners_) listener(event);
}

void Solver::Solve(const std::string& resume_file) {
  LOG(INFO) << "Solving " << net_->name();
  LOG(INFO) << "Learning Rate Policy: " << param_.lr_policy();
  requested_early_exit_ = false;
  if (json_log_) json_log_->Open(!resume_file.empty());
  if (!resume_file.empty()) {
    LOG(INFO) << "Restoring previous solver status from " << resume_file;
    Restore(resume_file);
  }
  Step(param_.max_iter() - iter_);
  // A stop request, or the periodic snapshot, may have written this one already.
  if (param_.snapshot_after_train() && last_snapshot_iter_ != iter_) Snapshot();
  if (stopped_early_) {
    LOG(INFO) << "Early stopping at iteration " << iter_ << ": " << param_.early_stop_output()
              << " has not improved by more than " << param_.min_delta() << " for " << param_.patience()
              << " test passes; " << early_stop_->Summary();
    return;
  }
  if (requested_early_exit_) {
    LOG(INFO) << "Optimization stopped early.";
    return;
  }
  if (param_.display() > 0 && iter_ % param_.display() == 0) {
    const float loss = net_->Forward();
    UpdateSmoothedLoss(loss, iter_);
    LOG(INFO) << "Iteration " << iter_ << ", loss = " << smoothed_loss_;
    if (!listeners_.empty()) {
      TrainingEvent e = MakeEvent(TrainingEvent::DISPLAY);
      e.loss = smoothed_loss_;
      e.lr = PeekLearningRate();
      Emit(e);
    }
  }
  if (param_.test_interval() > 0 && iter_ % param_.test_interval() == 0) TestAll();
  const std::string best = early_stop_->Summary();
  if (!best.empty()) LOG(INFO) << "Best model: " << best;
  LOG(INFO) << "Optimization Done.";
}

void Solver::Step(int iters) {
  const int start_iter = iter_;
  const int stop_iter = iter_ + iters;
  losses_.clear();
  smoothed_loss_ = 0.f;
  auto last_display = std::chrono::steady_clock::now();
  int last_display_iter = iter_;
  const auto run_start = last_display;

  while (iter_ < stop_iter) {
    net_->ClearParamDiffs();
    if (param_.test_interval() > 0 && iter_ % param_.test_interval() == 0 &&
        (iter_ > 0 || param_.test_initialization())) {
      TestAll();
    }
    bool stop = requested_early_exit_ || stopped_early_;
    for (const Callback& c : callbacks_) {
      if (c.agree_stop) stop = c.agree_stop(stop);
    }
    if (stop) {
      // Told to by another solver (rank 0's early stopping).
      if (!stopped_early_) requested_early_exit_ = true;
      break;
    }
    for (const Callback& c : callbacks_) {
      if (c.on_start) c.on_start();
    }
    const bool display = param_.display() > 0 && iter_ % param_.display() == 0;
    float loss = 0.f;
    for (int i = 0; i < param_.iter_size(); ++i) loss += net_->ForwardBackward();
    loss /= param_.iter_size();
    for (const Callback& c : callbacks_) {
      if (c.on_gradients_ready) c.on_gradients_ready();
    }
    GuardAgainstDivergence(loss);
    UpdateSmoothedLoss(loss, start_iter);
    if (!listeners_.empty()) {
      TrainingEvent e = MakeEvent(TrainingEvent::ITERATION);
      e.loss = smoothed_loss_;
      e.lr = PeekLearningRate();
      Emit(e);
    }
    if (display) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - last_display).count();
      const double per_s = (iter_ > last_display_iter && secs > 0) ? (iter_ - last_display_iter) / secs : 0.0;
      DisplayOutputs(loss, per_s);
      if (iter_ > start_iter) {
        const double done = iter_ - start_iter;
        const double elapsed = std::chrono::duration<double>(now - run_start).count();
        const double eta = elapsed / done * (stop_iter - iter_);
        LOG(INFO) << "Progress: " << iter_ << "/" << param_.max_iter() << " iterations, "
                  << static_cast<int>(per_s * 10 + 0.5) / 10.0 << " iter/s, ETA "
                  << static_cast<int>(eta + 0.5) << " s";
      }
      last_display = now;
      last_display_iter = iter_;
    }
    ApplyUpdate();
    if (param_.debug_info()) UpdateDebugInfo();
    ++iter_;

    const SolverAction action = action_callback_ ? action_callback_() : SolverAction::NONE;
    if ((param_.snapshot() > 0 && iter_ % param_.snapshot() == 0) || action == SolverAction::SNAPSHOT ||
        action == SolverAction::STOP) {
      // A stop request snapshots first so no work is lost.
      Snapshot();
    }
    if (action == SolverAction::STOP) {
      requested_early_exit_ = true;
      break;
    }
  }
}

void Solver::GuardAgainstDivergence(float loss) {
  // The gradient's squared norm: one pass over the parameter gradients, far
  // cheaper than the backward pass that made them. A NaN there would reach
  // the weights with this update and the loss only one iteration later.
  double sumsq = 0.0;
  for (const Blob* p : net_->learnable_params()) sumsq += p->sumsq_diff();
  if (std::isfinite(loss) && std::isfinite(sumsq)) return;
  std::ostringstream what;
  what << "iteration " << iter_ << ": ";
  if (!std::isfinite(loss)) {
    what << "the loss is " << loss;
  } else {
    what << "the gradient is not finite (loss = " << loss << ")";
  }
  const std::string culprit = FirstNonFinite(*net_);
  if (!culprit.empty()) what << "; first non-finite value: " << culprit;
  if (allow_nonfinite_) {
    if (!warned_nonfinite_) LOG(WARNING) << what.str() << "; training on (allowed)";
    warned_nonfinite_ = true;
    return;
  }
  CNN_THROW(what.str() << "; training stopped before this update, so the last snapshot is intact (lower base_lr, "
                       << "clip gradients, or pass --allow_nonfinite to train on regardless)");
}

void Solver::UpdateSmoothedLoss(float loss, int start_iter) {
  const int average = param_.average_loss();
  if (static_cast<int>(losses_.size()) < average) {
    losses_.push_back(loss);
    const int size = static_cast<int>(losses_.size());
    smoothed_loss_ = (smoothed_loss_ * (size - 1) + loss) / size;
  } else {
    const int idx = (iter_ - start_iter) % average;
    smoothed_loss_ += (loss - losses_[idx]) / average;
    losses_[idx] = loss;
  }
}

void Solver::DisplayOutputs(float loss, double iters_per_s) {
  std::ostringstream rate;
  rate.precision(4);
  rate << iters_per_s;
  LOG(INFO) << "Iteration " << iter_ << " (" << rate.str() << " iter/s), loss = " << smoothed_loss_;
  TrainingEvent event = MakeEvent(TrainingEvent::DISPLAY);
  event.loss = smoothed_loss_;
  event.iters_per_s = iters_per_s;
  if (!listeners_.empty()) event.lr = PeekLearningRate();
  int score_index = 0;
  for (const Blob* out : net_->output_blobs()) {
    const float w = net_->blob_loss_weight(out);
    const std::string name = net_->blob_name(out);
    const float* d = out->cpu_data();
    for (int k = 0; k < out->count(); ++k) {
      std::ostringstream extra;
      if (w != 0.f) extra << " (* " << w << " = " << w * d[k] << " loss)";
      LOG(INFO) << "    Train net output #" << score_index++ << ": " << name << " = " << d[k] << extra.str();
      event.outputs.emplace_back(out->count() == 1 ? name : name + "[" + std::to_string(k) + "]", d[k]);
    }
  }
  if (param_.log_grad_norms()) {
    event.grad_norms = LayerGradientNorms(*net_, param_.iter_size());
    for (const auto& g : event.grad_norms) LOG(INFO) << "    Gradient L2 norm of " << g.first << " = " << g.second;
  }
  Emit(event);
}

std::vector<std::vector<float>> Solver::TestAll() {
  std::vector<std::vector<float>> all;
  for (size_t i = 0; i < test_nets_.size() && !requested_early_exit_; ++i) all.push_back(Test(static_cast<int>(i)));
  if (!requested_early_exit_) {
    last_test_scores_ = all;
    last_test_iter_ = iter_;
    stopped_early_ = early_stop_->Observe(iter_, all, *net_);
  }
  return all;
}

std::vector<float> Solver::Test(int test_net_id) {
  LOG(INFO) << "Iteration " << iter_ << ", Testing net (#" << test_net_id << ")";
  Net& net = *test_nets_[test_net_id];
  std::vector<float> scores;
  double loss = 0;
  const int iters = param_.test_iter(test_net_id);
  for (int i = 0; i < iters; ++i) {
    const SolverAction action = action_callback_ ? action_callback_() : SolverAction::NONE;
    if (action == SolverAction::STOP) {
      requested_early_exit_ = true;
      Snapshot();
      LOG(INFO) << "Test interrupted.";
      return scores;
    }
    loss += net.Forward();
    size_t k = 0;
    for (const Blob* out : net.output_blobs()) {
      const float* d = out->cpu_data();
      for (int j = 0; j < out->count(); ++j, ++k) {
        if (i == 0) scores.push_back(0.f);
        scores[k] += d[j];
      }
    }
  }
  if (param_.test_compute_loss()) LOG(INFO) << "Test loss: " << loss / iters;
  TrainingEvent event = MakeEvent(TrainingEvent::TEST);
  event.test_net = test_net_id;
  size_t k = 0;
  for (const Blob* out : net.output_blobs()) {
    const float w = net.blob_loss_weight(out);
    const std::string name = net.blob_name(out);
    for (int j = 0; j < out->count(); ++j, ++k) {
      scores[k] /= iters;
      std::ostringstream extra;
      if (w != 0.f) extra << " (* " << w << " = " << w * scores[k] << " loss)";
      LOG(INFO) << "    Test net output #" << k << ": " << name << " = " << scores[k] << extra.str();
      event.outputs.emplace_back(out->count() == 1 ? name : name + "[" + std::to_string(j) + "]", scores[k]);
    }
  }
  if (param_.test_compute_loss()) event.outputs.emplace_back("total_loss", static_cast<float>(loss / iters));
  Emit(event);
  return scores;
}

void Solver::UpdateDebugInfo() const {
  // After the update: each parameter's values and the step just taken
  // (solvers leave the step in the diff), so a dead or exploding layer shows.
  const Net& net = *net_;
  for (size_t l = 0; l < net.layers().size(); ++l) {
    const auto& params = net.layers()[l]->blobs();
    for (size_t p = 0; p < params.size(); ++p) {
      LOG(INFO) << "    [Update] Layer " << net.layer_names()[l] << ", param " << p << " data: L1 norm "
                << params[p]->asum_data() << ", L2 norm " << std::sqrt(params[p]->sumsq_data())
                << "; step: L1 norm " << params[p]->asum_diff() << ", L2 norm " << std::sqrt(params[p]->sumsq_diff());
    }
  }
}

std::string Solver::SnapshotFilename(const std::string& extension) const {
  return param_.snapshot_prefix() + "_iter_" + std::to_string(iter_) + extension;
}

std::string Solver::Snapshot() {
  if (!writes_snapshots_) {
    last_snapshot_iter_ = iter_;
    return std::string();
  }
  CNN_CHECK(!param_.snapshot_prefix().empty(), source_ << ": snapshot requested but snapshot_prefix is not set");
  if (!allow_nonfinite_) {
    // An update can overflow finite gradients into infinite weights; such a
    // snapshot would replace a good one with one that cannot be resumed.
    const std::string culprit = FirstNonFiniteParameter(*net_);
    CNN_CHECK(culprit.empty(), "iteration " << iter_ - 1 << ": the update made non-finite weights: " << culprit
                                            << "; no snapshot written, the last one is intact (lower base_lr, "
                                            << "clip gradients, or pass --allow_nonfinite to train on regardless)");
  }
  const bool as_hdf5 = param_.snapshot_format() == SolverParameter::HDF5;
  const std::string model_file = SnapshotFilename(as_hdf5 ? ".caffemodel.h5" : ".caffemodel");
  if (as_hdf5) {
    LOG(INFO) << "Snapshotting to HDF5 file " << model_file;
    hdf5::File file = hdf5::File::CreateInMemory(model_file);
    net_->ToHDF5(&file, param_.snapshot_diff());
    WriteFileAtomically(model_file, file.Image());
  } else {
    NetParameter net_param;
    net_->ToProto(&net_param, param_.snapshot_diff());
    LOG(INFO) << "Snapshotting to binary proto file " << model_file;
    WriteProtoToBinaryFile(net_param, model_file);
  }

  SolverState state;
  state.set_iter(iter_);
  state.set_learned_net(model_file);
  state.set_current_step(current_step_);
  for (const auto& h : history_) h->ToProto(state.add_history());
  SaveLayerStates(&state);
  if (early_stop_->active()) *state.mutable_early_stop() = early_stop_->state();
  std::ostringstream rng;
  rng << Context::rng();
  state.set_rng_state(rng.str());
  const std::string state_file = SnapshotFilename(as_hdf5 ? ".solverstate.h5" : ".solverstate");
  if (as_hdf5) {
    LOG(INFO) << "Snapshotting solver state to HDF5 file " << state_file;
    WriteSolverStateToHDF5(state, state_file);
  } else {
    LOG(INFO) << "Snapshotting solver state to binary proto file " << state_file;
    WriteProtoToBinaryFile(state, state_file);
  }
  last_snapshot_iter_ = iter_;
  TrainingEvent event = MakeEvent(TrainingEvent::SNAPSHOT);
  event.model_file = model_file;
  event.state_file = state_file;
  Emit(event);
  return model_file;
}

void Solver::SaveLayerStates(SolverState* state) const {
  auto save = [state](int net_id, const Net& net) {
    for (size_t l = 0; l < net.layers().size(); ++l) {
      const auto* stateful = dynamic_cast<const Stateful*>(net.layers()[l].get());
      if (!stateful) continue;
      LayerState* ls = state->add_layer_state();
      ls->set_net(net_id);
      ls->set_layer(net.layer_names()[l]);
      ls->set_state(stateful->SaveState());
    }
  };
  save(0, *net_);
  for (size_t i = 0; i < test_nets_.size(); ++i) save(static_cast<int>(i) + 1, *test_nets_[i]);
}

void Solver::RestoreLayerStates(const SolverState& state, const std::string& state_file) {
  for (const LayerState& ls : state.layer_state()) {
    Net* net = ls.net() == 0 ? net_.get()
                             : (ls.net() <= static_cast<int>(test_nets_.size()) ? test_nets_[ls.net() - 1].get()
                                                                                : nullptr);
    if (!net || !net->has_layer(ls.layer())) {
      LOG(WARNING) << "solver state names layer '" << ls.layer() << "' of net #" << ls.net()
                   << ", which this solver does not have; it starts from the beginning";
      continue;
    }
    auto* stateful = dynamic_cast<Stateful*>(net->layer_by_name(ls.layer()));
    CNN_CHECK(stateful, state_file << ": holds a position for layer '" << ls.layer() << "', which keeps no state");
    if (ls.net() == 0 && stateful->RecordsPerForward() > 0) {
      // The train net runs iter_size forward passes per iteration and no others.
      const uint64_t delivered = stateful->RecordsDelivered(ls.state());
      const uint64_t most = (static_cast<uint64_t>(iter_) * param_.iter_size() + 1) * stateful->RecordsPerForward();
      CNN_CHECK(delivered <= most, state_file << ": layer '" << ls.layer() << "' is at record " << delivered
                                              << ", but " << iter_ << " iteration(s) of " << param_.iter_size()
                                              << " batch(es) of " << stateful->RecordsPerForward()
                                              << " read at most " << most
                                              << " (a damaged state, or one from another batch size)");
    }
    stateful->RestoreState(ls.state());
  }
}

void Solver::Restore(const std::string& state_file) {
  SolverState state;
  // By extension, as Caffe decides.
  if (hdf5::HasHdf5Extension(state_file)) {
    state = ReadSolverStateFromHDF5(state_file);
  } else {
    ReadProtoFromBinaryFile(state_file, &state);
  }
  CNN_CHECK(state.has_iter(), state_file << ": not a solver state (no iteration recorded)");
  CNN_CHECK(state.iter() >= 0, state_file << ": iteration " << state.iter() << " is negative (a damaged solver state)");
  CNN_CHECK(state.iter() <= param_.max_iter(),
            state_file << ": iteration " << state.iter() << " is past max_iter " << param_.max_iter() << " of "
                       << source_ << " (raise max_iter to train on from it)");
  CNN_CHECK(state.current_step() >= 0,
            state_file << ": current_step " << state.current_step() << " is negative (a damaged solver state)");
  if (state.has_learned_net()) {
    std::string model = state.learned_net();
    // Snapshots are often moved together; look beside the state file too.
    if (!FileExists(model) && FileExists(DirName(state_file) + model.substr(model.find_last_of('/') + 1)))
      model = DirName(state_file) + model.substr(model.find_last_of('/') + 1);
    net_->CopyTrainedLayersFromFile(model);
  }
  CNN_CHECK(state.history_size() == static_cast<int>(history_.size()),
            state_file << ": holds " << state.history_size() << " history blob(s), the " << type()
                       << " solver on this net needs " << history_.size()
                       << " (was it written for another solver type or net?)");
  for (size_t i = 0; i < history_.size(); ++i) {
    try {
      history_[i]->FromProto(state.history(static_cast<int>(i)), false);
    } catch (const Error& e) {
      CNN_THROW(state_file << ": history blob " << i << ": " << e.what());
    }
  }
  iter_ = state.iter();
  current_step_ = state.current_step();
  RestoreLayerStates(state, state_file);
  if (state.has_early_stop()) early_stop_->Restore(state.early_stop());
  if (state.has_rng_state()) {
    std::istringstream rng(state.rng_state());
    rng >> Context::rng();
    CNN_CHECK(!rng.fail(), state_file << ": corrupt random generator state");
  }
  LOG(INFO) << "Resuming at iteration " << iter_;
}

}  // namespace cnn
