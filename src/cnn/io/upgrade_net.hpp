// Converting net and solver definitions written for older Caffe releases to the
// current format, in memory. UpgradeNetAsNeeded (declared in proto_io.hpp)
// runs the net steps below in Caffe's order; the steps are exposed for tests.
// `source` only names the file in error messages.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Caffe's type string for a V1 enum type ("" for NONE or a value outside the enum).
std::string V1LayerTypeName(V1LayerParameter::LayerType type);

// Throws when the net uses the pre-V1 format (a V0 `layer` inside `layers`),
// which is not converted.
void RejectV0Net(const std::string& source, const NetParameter& param);

// V1 data layers kept scale/mean_file/crop_size/mirror in data_param,
// image_data_param or window_data_param; they now live in transform_param.
bool UpgradeV1DataTransformation(NetParameter* param);

// `layers` (V1LayerParameter, enum types) -> `layer` (LayerParameter, string
// types). Learned blobs are moved, not copied, so large models stay cheap.
bool UpgradeV1Layers(const std::string& source, NetParameter* param);

// `input` + `input_shape` / `input_dim` -> a leading Input layer named "input".
bool UpgradeNetInput(const std::string& source, NetParameter* param);

// BatchNorm layers once had to list three ParamSpecs for their statistics
// blobs; as in Caffe, those get lr_mult and decay_mult 0 (names are kept, so
// sharing still works) because statistics must never be trained.
bool UpgradeBatchNormParams(NetParameter* param);

// The deprecated `solver_type` enum -> the `type` string, and the upgrades
// above for nets given inline in the solver. Returns true when something changed.
bool UpgradeSolverAsNeeded(const std::string& source, SolverParameter* param);

}  // namespace cnn
