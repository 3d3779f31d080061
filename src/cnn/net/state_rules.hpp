// Which layers a NetState (phase, level, stages) keeps: the include/exclude
// rules of Caffe's LayerParameter.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// True when every condition the rule sets holds for `state`: same phase,
// level within [min_level, max_level], all of `stage` present and none of
// `not_stage`. `layer_name` only feeds the verbose log.
bool StateMeetsRule(const NetState& state, const NetStateRule& rule, const std::string& layer_name);

// The net with only the layers param.state() keeps. A layer with include
// rules is kept when any of them holds; otherwise it is kept unless an
// exclude rule holds. Throws Error naming a layer that has both kinds.
NetParameter FilterNet(const NetParameter& param);

}  // namespace cnn
