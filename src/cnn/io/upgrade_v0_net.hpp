// Caffe's first net format (V0): each entry of `layers` wraps a flat
// V0LayerParameter (`layer { name type: "conv" num_output kernelsize ... }`)
// next to its bottoms and tops, and padding is a layer of its own. This
// rewrites such a net into the V1 format in place, after which the V1 steps
// of upgrade_net.hpp take it to the current one. `cnn upgrade_net_proto_text`
// and `upgrade_net_proto_binary` use it; the loaders still refuse V0 and
// point to those commands, so an old file is converted once, visibly.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// True when some entry of `layers` holds a V0 layer.
bool IsV0Net(const NetParameter& param);

// Returns false (and changes nothing) for a net with no V0 layer. Throws
// Error naming `source` and the layer for a type V0 never had, an option the
// layer's type does not take (nothing is dropped silently), a padding layer
// that does not feed only convolutions and poolings, or V0 entries mixed
// with V1 ones.
bool UpgradeV0Net(const std::string& source, NetParameter* param);

}  // namespace cnn
