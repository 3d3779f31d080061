// `cnn test`: scores trained weights on a net's data for a number of batches,
// printing each batch's outputs and their averages as Caffe does, plus a
// per-class precision/recall table and confusion matrix for every Accuracy
// layer (its bottoms are a classifier's scores and the labels).
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <iostream>
#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/eval/confusion_matrix.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/net/state_rules.hpp"
#include "commands.hpp"
#include "device.hpp"

DEFINE_bool(allow_missing_weights, false,
            "Score even when --weights lacks some learnable layer of the net (it keeps its filler's values).");

namespace cnn {
namespace tool {
namespace {

struct Evaluated {
  int layer;
  std::unique_ptr<ConfusionMatrix> matrix;
};

}  // namespace

int TestCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("test", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn test needs --model=NET.prototxt");
  CNN_CHECK(FLAGS_iterations > 0, "--iterations must be positive, got " << FLAGS_iterations);
  NetParameter param = ReadNetParamsFromTextFile(FLAGS_model);
  NetState* state = param.mutable_state();
  if (FLAGS_phase.empty() || FLAGS_phase == "TEST") {
    state->set_phase(TEST);
  } else if (FLAGS_phase == "TRAIN") {
    state->set_phase(TRAIN);
  } else {
    CNN_THROW("--phase must be TRAIN or TEST, got '" << FLAGS_phase << "'");
  }
  ApplyLevelAndStages(state);
  ApplyThreadsFlag();
  if (GpuFromFlag() >= 0) SelectGpu(GpuFromFlag());
  ApplyEngineFlag();
  // Scoring runs forward only; what is read after each pass (the outputs,
  // and the scores and labels the confusion matrices count) keeps its memory.
  if (state->phase() == TEST && FLAGS_share_activations) {
    param.set_share_activations(true);
    const NetParameter filtered = FilterNet(param);
    for (const auto& lp : filtered.layer()) {
      if (lp.type() != "Accuracy") continue;
      for (const auto& bottom : lp.bottom()) param.add_keep_blob(bottom);
    }
  }

  Net net(param);
  const auto weights = SplitList(FLAGS_weights);
  if (weights.empty()) std::cerr << "cnn test: no --weights given; scoring the net's initial weights\n";
  for (const auto& w : weights) net.CopyTrainedLayersFromFile(w);
  if (!weights.empty()) {
    const auto missing = net.LayersWithoutTrainedWeights();
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
      CNN_CHECK(FLAGS_allow_missing_weights,
                FLAGS_weights << " has no weights for layer(s) " << names << " of " << FLAGS_model
                              << ": scoring would use their fillers' random values (check the layer names, or "
                              << "pass --allow_missing_weights to score anyway)");
      std::cerr << "cnn test: no trained weights for layer(s) " << names << "; they keep their fillers' values\n";
    }
  }

  std::vector<Evaluated> evaluated;
  for (size_t l = 0; l < net.layers().size(); ++l) {
    const Layer& layer = *net.layers()[l];
    if (std::string(layer.type()) != "Accuracy") continue;
    const Blob& scores = *net.bottom_vecs()[l][0];
    const int axis = scores.CanonicalAxisIndex(layer.layer_param().accuracy_param().axis());
    evaluated.push_back({static_cast<int>(l), std::make_unique<ConfusionMatrix>(scores.shape(axis))});
  }

  std::vector<double> sums;
  double loss = 0;
  for (int i = 0; i < FLAGS_iterations; ++i) {
    loss += net.Forward();
    size_t k = 0;
    for (const Blob* out : net.output_blobs()) {
      const std::string name = net.blob_name(out);
      for (int j = 0; j < out->count(); ++j, ++k) {
        if (sums.size() <= k) sums.push_back(0);
        sums[k] += out->cpu_data()[j];
        std::cout << "Batch " << i << ", " << name << " = " << out->cpu_data()[j] << "\n";
      }
    }
    for (auto& e : evaluated) {
      const auto& ap = net.layers()[e.layer]->layer_param().accuracy_param();
      e.matrix->Add(*net.bottom_vecs()[e.layer][0], *net.bottom_vecs()[e.layer][1], ap.axis(), ap.has_ignore_label(),
                    ap.ignore_label());
    }
  }
  std::cout << "Loss: " << loss / FLAGS_iterations << "\n";
  size_t k = 0;
  for (const Blob* out : net.output_blobs()) {
    const std::string name = net.blob_name(out);
    const float w = net.blob_loss_weight(out);
    for (int j = 0; j < out->count(); ++j, ++k) {
      const double mean = sums[k] / FLAGS_iterations;
      std::cout << name << " = " << mean;
      if (w != 0.f) std::cout << " (* " << w << " = " << w * mean << " loss)";
      std::cout << "\n";
    }
  }
  for (const auto& e : evaluated) {
    std::cout << "\nLayer '" << net.layer_names()[e.layer] << "' ";
    e.matrix->Print(std::cout);
  }
  return 0;
}

}  // namespace tool
}  // namespace cnn
