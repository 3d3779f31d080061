#include "cnn/core/layer_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

std::map<std::string, LayerRegistry::Creator>& registry() {
  static std::map<std::string, LayerRegistry::Creator> r;  // constructed on first use, before any registrar runs
  return r;
}

}  // namespace

void LayerRegistry::Add(const std::string& type, Creator creator) {
  auto& r = registry();
  if (r.count(type)) {
    // Two layers claiming one type is a build mistake, not a user error.
    std::fprintf(stderr, "layer type '%s' registered twice\n", type.c_str());
    std::abort();
  }
  r[type] = std::move(creator);
}

bool LayerRegistry::Has(const std::string& type) { return registry().count(type) > 0; }

std::vector<std::string> LayerRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& kv : registry()) types.push_back(kv.first);
  return types;
}

std::unique_ptr<Layer> LayerRegistry::Create(const LayerParameter& param) {
  auto it = registry().find(param.type());
  if (it == registry().end()) {
    std::string known;
    for (const auto& t : Types()) known += (known.empty() ? "" : ", ") + t;
    CNN_THROW("layer '" << param.name() << "': unknown type '" << param.type() << "'; known types: " << known);
  }
  return it->second(param);
}

}  // namespace cnn
