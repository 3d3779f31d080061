#include "cnn/io/hdf5_solver_state.hpp"

#include <algorithm>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/proto_io.hpp"

namespace cnn {
namespace {

// The shape a history BlobProto declares (legacy 4-D fields included).
std::vector<int64_t> ShapeOf(const BlobProto& proto) {
  if (proto.has_num() || proto.has_channels() || proto.has_height() || proto.has_width())
    return {proto.num(), proto.channels(), proto.height(), proto.width()};
  std::vector<int64_t> dims(proto.shape().dim().begin(), proto.shape().dim().end());
  return dims;
}

// Dataset names under a group in numeric order ("10" after "9").
std::vector<std::string> NumericOrder(std::vector<std::string> names, const std::string& path,
                                      const std::string& group) {
  std::vector<std::string> expected;
  for (size_t i = 0; i < names.size(); ++i) expected.push_back(std::to_string(i));
  std::sort(names.begin(), names.end());
  std::vector<std::string> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  CNN_CHECK(names == sorted_expected,
            path << ": group '" << group << "' must hold entries named 0.." << names.size() - 1);
  return expected;
}

}  // namespace

void WriteSolverStateToHDF5(const SolverState& state, const std::string& path) {
  hdf5::File file = hdf5::File::CreateInMemory(path);
  file.WriteInt("iter", state.iter());
  if (state.has_learned_net()) file.WriteString("learned_net", state.learned_net());
  file.WriteInt("current_step", state.current_step());
  file.CreateGroup("history");
  for (int i = 0; i < state.history_size(); ++i) {
    const BlobProto& h = state.history(i);
    const std::vector<int64_t> shape = ShapeOf(h);
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    CNN_CHECK(count == h.data_size(), path << ": history blob " << i << " has " << h.data_size()
                                           << " values for its shape (a solver that keeps double history?)");
    file.WriteFloats("history/" + std::to_string(i), shape, h.data().data());
  }
  if (state.has_rng_state()) file.WriteBytes("cnn_rng_state", state.rng_state());
  if (state.layer_state_size() > 0) file.CreateGroup("cnn_layer_state");
  for (int k = 0; k < state.layer_state_size(); ++k) {
    const LayerState& ls = state.layer_state(k);
    const std::string group = "cnn_layer_state/" + std::to_string(k);
    file.WriteInt(group + "/net", ls.net());
    file.WriteString(group + "/layer", ls.layer());
    file.WriteBytes(group + "/state", ls.state());
  }
  if (state.has_early_stop()) {
    const EarlyStopState& es = state.early_stop();
    file.CreateGroup("cnn_early_stop");
    const float best = es.best_score();
    file.WriteFloats("cnn_early_stop/best_score", {1}, &best);
    file.WriteInt("cnn_early_stop/best_iter", es.best_iter());
    file.WriteInt("cnn_early_stop/passes_since_best", es.passes_since_best());
    if (!es.best_model().empty()) file.WriteString("cnn_early_stop/best_model", es.best_model());
  }
  WriteFileAtomically(path, file.Image());
}

SolverState ReadSolverStateFromHDF5(const std::string& path) {
  const hdf5::File file = hdf5::File::Open(path);
  SolverState state;
  CNN_CHECK(file.IsDataset("iter"), path << ": not a solver state (no dataset 'iter')");
  state.set_iter(static_cast<int>(file.ReadInt("iter")));
  if (file.IsDataset("learned_net")) state.set_learned_net(file.ReadString("learned_net"));
  if (file.IsDataset("current_step")) state.set_current_step(static_cast<int>(file.ReadInt("current_step")));
  for (const std::string& name : NumericOrder(file.DatasetsIn("history"), path, "history")) {
    Blob blob;
    file.ReadBlob("history/" + name, &blob, /*reshape=*/true);
    blob.ToProto(state.add_history());
  }
  if (file.IsDataset("cnn_rng_state")) state.set_rng_state(file.ReadBytes("cnn_rng_state"));
  for (size_t k = 0; file.Exists("cnn_layer_state/" + std::to_string(k)); ++k) {
    const std::string group = "cnn_layer_state/" + std::to_string(k);
    LayerState* ls = state.add_layer_state();
    ls->set_net(static_cast<int>(file.ReadInt(group + "/net")));
    ls->set_layer(file.ReadString(group + "/layer"));
    ls->set_state(file.ReadBytes(group + "/state"));
  }
  if (file.Exists("cnn_early_stop")) {
    EarlyStopState* es = state.mutable_early_stop();
    std::vector<int64_t> shape;
    const std::vector<float> best = file.ReadFloats("cnn_early_stop/best_score", &shape);
    CNN_CHECK(best.size() == 1, path << ": cnn_early_stop/best_score must hold one value (holds " << best.size()
                                     << ")");
    es->set_best_score(best[0]);
    es->set_best_iter(static_cast<int>(file.ReadInt("cnn_early_stop/best_iter")));
    es->set_passes_since_best(static_cast<int>(file.ReadInt("cnn_early_stop/passes_since_best")));
    if (file.IsDataset("cnn_early_stop/best_model")) es->set_best_model(file.ReadString("cnn_early_stop/best_model"));
  }
  return state;
}

}  // namespace cnn
