// Where a diverged net first went non-finite. After a forward and backward
// pass every layer's tops, bottom gradients and parameter gradients are still
// in the net's blobs, so no pass needs re-running: walking the layers in the
// order the passes ran them finds the first one that made a NaN or an inf.
#pragma once

#include <string>

#include "cnn/net/net.hpp"

namespace cnn {

// "" when every weight, top and gradient of `net` is finite; else one phrase
// naming the first culprit, e.g. "layer 'conv1' (Convolution) made a
// non-finite value in its top 'conv1' (forward pass)".
std::string FirstNonFinite(const Net& net);
// "" when every parameter of `net` is finite; else the first layer holding
// a NaN or an inf, as above.
std::string FirstNonFiniteParameter(const Net& net);

}  // namespace cnn
