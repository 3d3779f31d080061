// Building a net only to look at it (`cnn summary`, `cnn draw`): from
// --model, in --phase (TEST by default, the phase a deploy net is written
// for), --level/--stage, with --batch overriding the Input layers' first
// axis, and every filler made constant so a large net builds in a moment.
#pragma once

#include <memory>

#include "cnn/net/net.hpp"

namespace cnn {
namespace tool {

std::unique_ptr<Net> BuildNetToInspect(Phase* phase);

}  // namespace tool
}  // namespace cnn
