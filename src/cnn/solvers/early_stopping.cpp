#include "cnn/solvers/early_stopping.hpp"

#include <glog/logging.h>

#include <cmath>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/proto_io.hpp"

namespace cnn {
namespace {

struct Output {
  std::string name;  // "blob", or "blob[k]" for one value of a multi-valued blob
  bool is_loss;
};

// The test net's outputs in the order Solver::Test scores them.
std::vector<Output> OutputsOf(const Net& net) {
  std::vector<Output> outputs;
  for (const Blob* out : net.output_blobs()) {
    const std::string name = net.blob_name(out);
    const bool loss = net.blob_loss_weight(out) != 0.f || name.find("loss") != std::string::npos;
    for (int k = 0; k < out->count(); ++k)
      outputs.push_back({out->count() == 1 ? name : name + "[" + std::to_string(k) + "]", loss});
  }
  return outputs;
}

}  // namespace

EarlyStopping::EarlyStopping(const SolverParameter& param, const std::vector<std::unique_ptr<Net>>& test_nets,
                             const std::string& source)
    : param_(param), output_(param.early_stop_output()) {
  const std::string where = (source.empty() ? std::string("solver") : source) + ": ";
  CNN_CHECK(param.patience() >= 0, where << "patience must be >= 0 (test passes without improvement before "
                                         << "training stops; 0 = never stop; got " << param.patience() << ")");
  CNN_CHECK(std::isfinite(param.min_delta()) && param.min_delta() >= 0.f,
            where << "min_delta must be a number >= 0 (got " << param.min_delta() << ")");
  if (output_.empty()) return;
  CNN_CHECK(!test_nets.empty(), where << "early_stop_output \"" << output_ << "\" needs a test net (test_iter)");
  CNN_CHECK(param.test_interval() > 0,
            where << "early_stop_output \"" << output_ << "\" needs test_interval > 0 (a test pass to score)");
  const int net = param.early_stop_net();
  CNN_CHECK(net >= 0 && net < static_cast<int>(test_nets.size()),
            where << "early_stop_net " << net << " is not a test net (there are " << test_nets.size() << ")");
  const std::vector<Output> outputs = OutputsOf(*test_nets[net]);
  std::string known;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].name == output_) {
      index_ = static_cast<int>(i);
      maximize_ = param.early_stop_mode() == SolverParameter::MAXIMIZE ||
                  (param.early_stop_mode() == SolverParameter::AUTO && !outputs[i].is_loss);
    }
    known += (i ? ", " : "") + outputs[i].name;
  }
  CNN_CHECK(index_ >= 0, where << "early_stop_output \"" << output_ << "\" is not an output of test net #" << net
                               << " (its outputs: " << (known.empty() ? "none" : known) << ")");
  CNN_CHECK(!param.keep_best_model() || !param.snapshot_prefix().empty(),
            where << "early_stop_output keeps the best model in <snapshot_prefix>_best.caffemodel, but "
                  << "snapshot_prefix is not set (set it, or keep_best_model: false)");
  LOG(INFO) << "Early stopping on test output " << output_ << " (" << (maximize_ ? "higher" : "lower")
            << " is better), patience " << param.patience() << ", min_delta " << param.min_delta();
}

std::string EarlyStopping::BestModelPath() const {
  const bool hdf5 = param_.snapshot_format() == SolverParameter::HDF5;
  return param_.snapshot_prefix() + (hdf5 ? "_best.caffemodel.h5" : "_best.caffemodel");
}

bool EarlyStopping::Observe(int iter, const std::vector<std::vector<float>>& scores, const Net& train_net) {
  if (!active()) return false;
  const size_t net = static_cast<size_t>(param_.early_stop_net());
  if (net >= scores.size() || index_ >= static_cast<int>(scores[net].size())) return false;  // an interrupted pass
  const float score = scores[net][index_];
  const float best = state_.best_score(), delta = param_.min_delta();
  // A NaN score is never an improvement (and never becomes the best).
  const bool improved = std::isfinite(score) && (state_.best_iter() < 0 || (maximize_ ? score > best + delta
                                                                                        : score < best - delta));
  if (improved) {
    state_.set_best_score(score);
    state_.set_best_iter(iter);
    state_.set_passes_since_best(0);
    if (writes_best()) {
      const std::string path = BestModelPath();
      // Written to a temporary and renamed, as snapshots are: a kill never
      // leaves a half-written best model.
      if (param_.snapshot_format() == SolverParameter::HDF5) {
        hdf5::File file = hdf5::File::CreateInMemory(path);
        train_net.ToHDF5(&file, false);
        WriteFileAtomically(path, file.Image());
      } else {
        NetParameter weights;
        train_net.ToProto(&weights, false);
        WriteProtoToBinaryFile(weights, path);
      }
      state_.set_best_model(path);
    }
    LOG(INFO) << "Early stopping: new best " << output_ << " = " << score << " at iteration " << iter
              << (state_.best_model().empty() ? "" : "; weights in " + state_.best_model());
    return false;
  }
  state_.set_passes_since_best(state_.passes_since_best() + 1);
  LOG(INFO) << "Early stopping: " << output_ << " = " << score << " is no improvement on " << best
            << " (iteration " << state_.best_iter() << ") by more than " << delta << ": "
            << state_.passes_since_best() << " of " << param_.patience() << " test pass(es)";
  return param_.patience() > 0 && state_.passes_since_best() >= param_.patience();
}

std::string EarlyStopping::Summary() const {
  if (!active() || state_.best_iter() < 0) return "";
  std::ostringstream s;
  s << output_ << ": best " << state_.best_score() << " at iteration " << state_.best_iter();
  if (!state_.best_model().empty()) s << " (" << state_.best_model() << ")";
  return s.str();
}

}  // namespace cnn
