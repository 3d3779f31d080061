#include "cnn/solvers/solver_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

std::map<std::string, SolverRegistry::Creator>& registry() {
  static std::map<std::string, SolverRegistry::Creator> r;
  return r;
}

// The deprecated enum, for solver files that still use solver_type.
std::string TypeFromEnum(SolverParameter::SolverType t) {
  switch (t) {
    case SolverParameter::NESTEROV: return "Nesterov";
    case SolverParameter::ADAGRAD: return "AdaGrad";
    case SolverParameter::RMSPROP: return "RMSProp";
    case SolverParameter::ADADELTA: return "AdaDelta";
    case SolverParameter::ADAM: return "Adam";
    default: return "SGD";
  }
}

}  // namespace

void SolverRegistry::Add(const std::string& type, Creator creator) {
  if (registry().count(type)) {
    std::fprintf(stderr, "solver type '%s' registered twice\n", type.c_str());
    std::abort();
  }
  registry()[type] = std::move(creator);
}

std::vector<std::string> SolverRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& kv : registry()) types.push_back(kv.first);
  return types;
}

std::string SolverRegistry::TypeOf(const SolverParameter& param) {
  return param.has_type() || !param.has_solver_type() ? param.type() : TypeFromEnum(param.solver_type());
}

std::unique_ptr<Solver> SolverRegistry::Create(const SolverParameter& param, const std::string& source) {
  const std::string type = TypeOf(param);
  auto it = registry().find(type);
  if (it == registry().end()) {
    std::string known;
    for (const auto& t : Types()) known += (known.empty() ? "" : ", ") + t;
    CNN_THROW(source << ": unknown solver type \"" << type << "\"; known: " << known);
  }
  return it->second(param, source);
}

}  // namespace cnn
