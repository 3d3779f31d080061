// cnn.Solver, the base of the pycaffe solver classes (SGDSolver ... in
// cnn/_solver.py): built from a solver prototxt, stepped from Python.
#include <Python.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver.hpp"
#include "cnn/solvers/solver_registry.hpp"

namespace cnn {
namespace python {
namespace {

// pycaffe's apply_update() calls the update rule directly, which our Solver
// keeps protected (the loop is its only caller in C++). A member pointer taken
// through a derived class reaches it without widening the C++ interface.
struct UpdateAccess : Solver {
  static void Apply(Solver& solver) {
    void (Solver::*update)() = &UpdateAccess::ApplyUpdate;
    (solver.*update)();
  }
};

std::shared_ptr<Solver> BuildSolver(const std::string& filename, const std::string& type) {
  SolverParameter param = ReadSolverParamsFromTextFile(filename);
  // SGDSolver(file) is SGD whatever the file says, as in pycaffe; get_solver
  // passes the file's own type.
  if (!type.empty()) {
    param.set_type(type);
    param.clear_solver_type();
  }
  std::shared_ptr<Solver> solver = SolverRegistry::Create(param, filename);
  // Ctrl-C in a notebook stops step()/solve() after the current iteration
  // (with KeyboardInterrupt) instead of being held until training ends.
  solver->set_action_callback([] {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    return SolverAction::NONE;
  });
  return solver;
}

// The solver's nets are owned by the solver; each Net object handed to Python
// shares ownership of the solver, so `net = cnn.SGDSolver(f).net` is safe.
std::shared_ptr<Net> NetOf(const std::shared_ptr<Solver>& solver, Net* net) { return std::shared_ptr<Net>(solver, net); }

}  // namespace

void BindSolver(py::module_& m) {
  m.def("_solver_type", [](const std::string& filename) {
    return SolverRegistry::TypeOf(ReadSolverParamsFromTextFile(filename));
  }, py::arg("filename"), "The solver type a solver prototxt asks for (type, or the old solver_type).");

  py::class_<Solver, std::shared_ptr<Solver>>(m, "Solver", py::dynamic_attr())
      .def(py::init(&BuildSolver), py::arg("filename"), py::arg("type") = "")
      .def_property_readonly("type", [](const Solver& s) { return std::string(s.type()); })
      .def_property_readonly("net", [](const std::shared_ptr<Solver>& s) { return NetOf(s, &s->net()); })
      .def_property_readonly("test_nets", [](const std::shared_ptr<Solver>& s) {
        std::vector<std::shared_ptr<Net>> nets;
        for (const auto& n : s->test_nets()) nets.push_back(NetOf(s, n.get()));
        return nets;
      })
      .def_property_readonly("iter", &Solver::iter)
      .def_property_readonly("smoothed_loss", &Solver::smoothed_loss)
      .def_property_readonly("stopped_early", &Solver::stopped_early,
                             "True once early stopping (the solver's early_stop_output) has ended training.")
      .def("step", [](Solver& s, int iters) {
             if (iters < 0) throw py::value_error("step: " + std::to_string(iters) + " iterations is negative");
             s.Step(iters);
           }, py::arg("iters"))
      .def("solve", [](Solver& s, const py::object& resume_file) {
             s.Solve(resume_file.is_none() ? std::string() : resume_file.cast<std::string>());
           }, py::arg("resume_file") = py::none())
      .def("snapshot", &Solver::Snapshot, "Writes <prefix>_iter_N.caffemodel and .solverstate; returns the model path.")
      .def("restore", &Solver::Restore, py::arg("filename"))
      .def("apply_update", [](Solver& s) { UpdateAccess::Apply(s); },
           "One update of the weights from the gradients in the params' diffs.")
      .def("test_all", &Solver::TestAll, "Runs every test net's test pass; returns each one's averaged outputs.")
      .def("add_callback", [](Solver& s, const py::object& on_start, const py::object& on_gradients) {
             Solver::Callback cb;
             py::object start = on_start, gradients = on_gradients;
             // add_callback(obj) with on_start/on_gradients methods, as well
             // as add_callback(on_start, on_gradients).
             if (gradients.is_none() && py::hasattr(on_start, "on_start")) {
               start = on_start.attr("on_start");
               gradients = py::getattr(on_start, "on_gradients", py::none());
             }
             for (const py::object* f : {&start, &gradients}) {
               if (!f->is_none() && !PyCallable_Check(f->ptr()))
                 throw py::type_error("add_callback: " + py::repr(*f).cast<std::string>() + " is not callable");
             }
             if (!start.is_none()) cb.on_start = [start] { start(); };
             if (!gradients.is_none()) cb.on_gradients_ready = [gradients] { gradients(); };
             s.add_callback(std::move(cb));
           }, py::arg("on_start"), py::arg("on_gradients") = py::none());
}

}  // namespace python
}  // namespace cnn
