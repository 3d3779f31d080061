// The extension module cnn._cnn: pycaffe's C++ half over our core. What
// pycaffe itself adds in Python (Net.blobs, forward with keyword inputs, the
// solver classes) is in the package's .py files.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <string>

#include "bindings.hpp"
#include "cnn/core/blas_core.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/device_context.hpp"
#endif

// The same fallback as `cnn version` (tools/version_command.cpp); a test
// checks that both say the same.
#ifndef CNN_VERSION
#define CNN_VERSION "0.1.0-dev"
#endif

namespace cnn {
namespace python {
namespace {

void InitLogging() {
  if (google::IsGoogleLoggingInitialized()) return;
  // As the `cnn` tool: to stderr, and warnings only unless the user asks for
  // INFO lines (GLOG_minloglevel=0), so a notebook is not flooded.
  if (std::getenv("GLOG_logtostderr") == nullptr && std::getenv("GLOG_log_dir") == nullptr) FLAGS_logtostderr = true;
  if (std::getenv("GLOG_minloglevel") == nullptr) FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging("cnn");
}

void SetDevice(int device) {
#ifdef CNN_WITH_CUDA
  gpu::SetDevice(device);
  Context::set_device(device);
#else
  CNN_THROW("GPU " << device << ": cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
#endif
}

}  // namespace

int PhaseFromPython(const py::handle& phase) {
  // bool is an int in Python, but True as a phase is surely a mistake.
  if (py::isinstance<py::int_>(phase) && !py::isinstance<py::bool_>(phase)) {
    const long value = phase.cast<long>();
    if (value == TRAIN || value == TEST) return static_cast<int>(value);
  }
  throw py::value_error("phase must be cnn.TRAIN (0) or cnn.TEST (1), got " + py::repr(phase).cast<std::string>());
}

}  // namespace python
}  // namespace cnn

PYBIND11_MODULE(_cnn, m) {
  namespace py = pybind11;
  using namespace cnn;
  using namespace cnn::python;
  m.doc() = "cnn's C++ core: Net, Blob, Layer, Solver (use the package `cnn`, not this module)";
  InitLogging();
  // The same OpenBLAS kernels as the `cnn` tool (cnn/core/blas_core.hpp), so
  // a net trained here and by `cnn train` gets the same numbers. numpy has
  // loaded OpenBLAS by now but runs nothing on it while a module imports.
  UseBetterOpenBlasKernels();

  // Every user-facing failure of the core is a cnn::Error with the one-line
  // message the CLI prints after "cnn: error: ".
  static py::exception<Error> error_type(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const OutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });

  m.attr("TRAIN") = static_cast<int>(TRAIN);
  m.attr("TEST") = static_cast<int>(TEST);
  m.attr("__version__") = CNN_VERSION;

  m.def("set_mode_cpu", [] { Context::set_mode(Mode::CPU); }, "Run layers and solvers on the CPU.");
  m.def("set_mode_gpu", [] {
    SetDevice(Context::device());
    Context::set_mode(Mode::GPU);
  }, "Run layers and solvers on the current GPU (cnn.set_device).");
  m.def("set_device", [](int device) {
    if (device < 0) throw py::value_error("set_device: GPU " + std::to_string(device) + " is negative");
    SetDevice(device);
  }, py::arg("device"));
  m.def("set_random_seed", [](long long seed) {
    if (seed < 0) throw py::value_error("set_random_seed: seed " + std::to_string(seed) + " is negative");
    Context::set_random_seed(static_cast<uint64_t>(seed));
  }, py::arg("seed"));
  m.def("layer_type_list", [] { return LayerRegistry::Types(); }, "The registered layer types, sorted.");
  m.def("has_nccl", [] { return false; }, "Multi-GPU training (NCCL) is not built in.");
  m.def("gpu_count", [] { return Context::gpu_count(); }, "Usable CUDA devices (0 in a CPU-only build).");

  BindBlob(m);
  BindNet(m);
  BindSolver(m);
  BindImage(m);
  RegisterPythonLayer();
}
