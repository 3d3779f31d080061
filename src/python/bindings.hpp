// The pieces of the _cnn extension, one per topic; _cnn.cpp assembles them.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace cnn {
namespace python {

namespace py = pybind11;

void BindBlob(py::module_& m);    // blob_binding.cpp
void BindNet(py::module_& m);     // net_binding.cpp
void BindSolver(py::module_& m);  // solver_binding.cpp
void BindImage(py::module_& m);   // image_binding.cpp
// Adds the layer type "Python" to the registry (python_layer.cpp).
void RegisterPythonLayer();

// cnn.TRAIN / cnn.TEST from a Python value; ValueError for anything else.
int PhaseFromPython(const py::handle& phase);

}  // namespace python
}  // namespace cnn
