#include "cnn/net/state_rules.hpp"

#include <glog/logging.h>

#include <algorithm>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

bool HasStage(const NetState& state, const std::string& stage) {
  return std::find(state.stage().begin(), state.stage().end(), stage) != state.stage().end();
}

}  // namespace

bool StateMeetsRule(const NetState& state, const NetStateRule& rule, const std::string& layer_name) {
  if (rule.has_phase() && rule.phase() != state.phase()) {
    VLOG(2) << "layer '" << layer_name << "': rule wants phase " << Phase_Name(rule.phase()) << ", net is "
            << Phase_Name(state.phase());
    return false;
  }
  if (rule.has_min_level() && state.level() < rule.min_level()) return false;
  if (rule.has_max_level() && state.level() > rule.max_level()) return false;
  for (const std::string& stage : rule.stage()) {
    if (!HasStage(state, stage)) return false;
  }
  for (const std::string& stage : rule.not_stage()) {
    if (HasStage(state, stage)) return false;
  }
  return true;
}

NetParameter FilterNet(const NetParameter& param) {
  const NetState& state = param.state();
  NetParameter filtered(param);
  filtered.clear_layer();
  for (const LayerParameter& layer : param.layer()) {
    CNN_CHECK(layer.include_size() == 0 || layer.exclude_size() == 0,
              "layer '" << layer.name() << "': has both include and exclude rules; use one kind only");
    bool keep = true;
    if (layer.include_size() > 0) {
      keep = std::any_of(layer.include().begin(), layer.include().end(),
                         [&](const NetStateRule& r) { return StateMeetsRule(state, r, layer.name()); });
    } else {
      keep = std::none_of(layer.exclude().begin(), layer.exclude().end(),
                          [&](const NetStateRule& r) { return StateMeetsRule(state, r, layer.name()); });
    }
    if (keep) *filtered.add_layer() = layer;
  }
  return filtered;
}

}  // namespace cnn
