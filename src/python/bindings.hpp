// The pieces of the _cnn extension, one per topic; _cnn.cpp assembles them.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "cnn/core/layer.hpp"

namespace cnn {
namespace python {

namespace py = pybind11;

void BindBlob(py::module_& m);    // blob_binding.cpp
void BindNet(py::module_& m);     // net_binding.cpp
void BindSolver(py::module_& m);  // solver_binding.cpp
void BindImage(py::module_& m);   // image_binding.cpp
// Adds the layer type "Python" to the registry (python_layer.cpp).
void RegisterPythonLayer();
// A "Python" layer; with errors_as_lines (the tool) a Python exception is a
// cnn::Error of one line instead of itself (python_layer.cpp).
std::unique_ptr<Layer> MakePythonLayer(const LayerParameter& param, bool errors_as_lines);

// cnn.TRAIN / cnn.TEST from a Python value; ValueError for anything else.
int PhaseFromPython(const py::handle& phase);

}  // namespace python
}  // namespace cnn
