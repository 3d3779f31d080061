// `cnn fold_bn --model=NET --weights=W --out_model=M --out_weights=W2`:
// BatchNorm (+ Scale) folded into the Convolution/InnerProduct before it
// (src/cnn/deploy/fold_batch_norm.hpp), written as the TEST-phase net and
// its weights. Unless --nocheck, the folded net is built and run beside the
// original on random batches first, and nothing is written when their
// outputs differ by more than --fold_tolerance.
#include <gflags/gflags.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/deploy/fold_batch_norm.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "trained_net.hpp"

DEFINE_string(out_model, "", "cnn fold_bn: the folded net definition to write (prototxt).");
DEFINE_string(out_weights, "", "cnn fold_bn: the folded weights to write (.caffemodel).");
DEFINE_bool(check, true, "cnn fold_bn: run the folded and the original net on random batches and compare "
                         "(--nocheck skips it).");
DEFINE_double(fold_tolerance, 1e-5,
              "cnn fold_bn: the largest output difference the check accepts, relative to the output's magnitude.");

namespace cnn {
namespace tool {

int FoldBnCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("fold_bn", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn fold_bn needs --model=NET.prototxt");
  CNN_CHECK(!FLAGS_weights.empty(), "cnn fold_bn needs --weights=W.caffemodel");
  CNN_CHECK(!FLAGS_out_model.empty() && !FLAGS_out_weights.empty(),
            "cnn fold_bn needs --out_model=FOLDED.prototxt and --out_weights=FOLDED.caffemodel");
  CNN_CHECK(FLAGS_out_model != FLAGS_model && FLAGS_out_weights != FLAGS_weights,
            "cnn fold_bn: --out_model and --out_weights must not overwrite the inputs");
  NetParameter model = ReadNetParamsFromTextFile(FLAGS_model);
  model.mutable_state()->set_phase(TEST);
  const std::unique_ptr<Net> loaded =
      LoadTrainedNet(model, FLAGS_weights, "folding filler values would make a meaningless net");
  Net& net = *loaded;
  FoldedNet folded;
  try {
    folded = FoldBatchNorm(model, net);
  } catch (const Error& e) {
    CNN_THROW(FLAGS_model << ": " << e.what());
  }
  for (const auto& line : folded.folds) std::cout << "folded " << line << "\n";
  for (const auto& line : folded.kept) std::cout << "kept BatchNorm " << line << "\n";
  if (FLAGS_check) {
    Net check(folded.model);
    check.CopyTrainedLayersFrom(folded.weights);
    const int batches = 3;
    const double diff = MaxRelativeOutputDifference(net, check, batches, 1234);
    char line[160];
    std::snprintf(line, sizeof line, "check: %d random batches, largest output difference %.3g of the output's "
                  "magnitude (limit %.3g)", batches, diff, FLAGS_fold_tolerance);
    std::cout << line << "\n";
    CNN_CHECK(diff <= FLAGS_fold_tolerance, "the folded net's outputs differ from the original's by "
                                                << diff << " (relative), more than --fold_tolerance="
                                                << FLAGS_fold_tolerance << "; nothing written");
  }
  WriteProtoToTextFile(folded.model, FLAGS_out_model);
  WriteProtoToBinaryFile(folded.weights, FLAGS_out_weights);
  std::cout << "wrote " << FLAGS_out_model << " (" << folded.model.layer_size() << " layers, "
            << folded.folds.size() << " fold(s)) and " << FLAGS_out_weights << std::endl;
  return 0;
}

}  // namespace tool
}  // namespace cnn
