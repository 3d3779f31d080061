// Python layers in the `cnn` tool (Caffe's WITH_PYTHON_LAYER): the tool
// carries the bindings of the Python module and registers the type "Python"
// with a maker that starts an interpreter the first time a net has such a
// layer, so runs without one never pay for Python. The layer's module is
// found on PYTHONPATH; the package `cnn` it subclasses (cnn.Layer) is the
// build's own, over the tool's core rather than a second copy of it.
#include <pybind11/embed.h>

#include <cstdlib>
#include <string>

#include "../bindings.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

// The extension's init function (PYBIND11_MODULE(_cnn) in _cnn.cpp), linked
// into the tool.
extern "C" PyObject* PyInit__cnn();

namespace cnn {
namespace python {
namespace {

// print() in a layer goes through Python's buffers; the tool ends without
// finalising the interpreter (nets may outlive it), so flush them at exit.
void FlushPythonOutput() {
  if (!Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;
  for (const char* stream : {"stdout", "stderr"}) {
    PyObject* f = PySys_GetObject(stream);  // borrowed
    if (f == nullptr || f == Py_None) continue;
    PyObject* r = PyObject_CallMethod(f, "flush", nullptr);
    if (r == nullptr) PyErr_Clear();
    Py_XDECREF(r);
  }
}

// "" once the interpreter runs with the package imported, else why not.
std::string StartInterpreter() {
  // The tool keeps its own SIGINT/SIGHUP handling (--sigint_effect).
  py::initialize_interpreter(/*init_signal_handlers=*/false, 0, nullptr, /*add_program_dir_to_path=*/false);
  std::string failure;
  try {
    py::module_ ext = py::reinterpret_steal<py::module_>(PyInit__cnn());
    if (!ext) throw py::error_already_set();
    py::module_ sys = py::module_::import("sys");
    sys.attr("modules")["cnn._cnn"] = ext;
#ifdef CNN_PYTHON_PACKAGE_DIR
    // This build's package first, so its .py files match the tool.
    sys.attr("path").attr("insert")(0, CNN_PYTHON_PACKAGE_DIR);
#endif
    py::module_::import("cnn");
  } catch (py::error_already_set& e) {
    failure = e.what();
  }
  std::atexit(FlushPythonOutput);
  // Layers take the GIL when they run, from whichever thread.
  PyEval_SaveThread();
  return failure;
}

std::unique_ptr<Layer> MakeEmbeddedPythonLayer(const LayerParameter& param) {
  static const std::string failure = StartInterpreter();
  CNN_CHECK(failure.empty(), "layer '" << param.name() << "' (Python): the package cnn (the base class cnn.Layer) "
                                       "cannot be imported: " << failure);
  return MakePythonLayer(param, /*errors_as_lines=*/true);
}

[[maybe_unused]] const bool registered = [] {
  LayerRegistry::Add("Python", MakeEmbeddedPythonLayer);
  return true;
}();

}  // namespace
}  // namespace python
}  // namespace cnn
