#include "inspect_net.hpp"

#include <gflags/gflags.h>

#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net_summary.hpp"
#include "commands.hpp"

DECLARE_int32(batch);  // time_command.cpp

namespace cnn {
namespace tool {
namespace {

void OverrideBatch(NetParameter* param, int batch) {
  bool found = false;
  for (auto& lp : *param->mutable_layer()) {
    if (lp.type() != "Input") continue;
    for (auto& shape : *lp.mutable_input_param()->mutable_shape()) {
      if (shape.dim_size() > 0) {
        shape.set_dim(0, batch);
        found = true;
      }
    }
  }
  CNN_CHECK(found, "--batch=" << batch << " needs a net whose inputs come from Input layers");
}

}  // namespace

std::unique_ptr<Net> BuildNetToInspect(Phase* phase) {
  CNN_CHECK(!FLAGS_model.empty(), "needs --model=NET.prototxt");
  CNN_CHECK(FLAGS_batch >= 0, "--batch must not be negative, got " << FLAGS_batch);
  *phase = TEST;
  if (FLAGS_phase == "TRAIN") {
    *phase = TRAIN;
  } else {
    CNN_CHECK(FLAGS_phase.empty() || FLAGS_phase == "TEST", "--phase must be TRAIN or TEST, got '" << FLAGS_phase << "'");
  }
  NetParameter param = ReadNetParamsFromTextFile(FLAGS_model);
  param.mutable_state()->set_phase(*phase);
  ApplyLevelAndStages(param.mutable_state());
  if (FLAGS_batch > 0) OverrideBatch(&param, FLAGS_batch);
  MakeFillersConstant(&param);
  return std::make_unique<Net>(param);
}

}  // namespace tool
}  // namespace cnn
