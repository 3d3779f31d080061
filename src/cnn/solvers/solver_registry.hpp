// Creates a solver from SolverParameter.type (or the deprecated solver_type).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cnn/solvers/solver.hpp"

namespace cnn {

class SolverRegistry {
 public:
  using Creator = std::function<std::unique_ptr<Solver>(const SolverParameter&, const std::string&)>;
  static void Add(const std::string& type, Creator creator);
  // Throws Error listing the known types when the type is unknown.
  static std::unique_ptr<Solver> Create(const SolverParameter& param, const std::string& source = "");
  static std::vector<std::string> Types();
  // The solver type `param` asks for: `type`, or the deprecated `solver_type`.
  static std::string TypeOf(const SolverParameter& param);
};

struct SolverRegistrar {
  SolverRegistrar(const std::string& type, SolverRegistry::Creator creator) {
    SolverRegistry::Add(type, std::move(creator));
  }
};

}  // namespace cnn

#define CNN_REGISTER_SOLVER(type_name, Class)                                                        \
  static ::cnn::SolverRegistrar cnn_solver_registrar_##type_name(                                   \
      #type_name, [](const ::cnn::SolverParameter& p, const std::string& s) -> std::unique_ptr<::cnn::Solver> { \
        return std::make_unique<Class>(p, s);                                                        \
      })
