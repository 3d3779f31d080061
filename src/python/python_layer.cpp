// The layer type "Python" (pycaffe's Python layers), in nets built from the
// Python module: python_param { module layer param_str } names a class on
// sys.path (usually a subclass of cnn.Layer) whose setup, reshape, forward
// and backward receive lists of Blobs. Learnable blobs the layer puts in
// self.blobs during setup become the layer's blobs, which the solver updates.
// The `cnn` tool builds the same layer over its embedded interpreter
// (embed/embedded_python.cpp); there a Python error becomes one line.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {
namespace python {
namespace {

// Blobs handed to the Python methods are the net's own (no copy); they are
// meant to be used during the call, as in pycaffe.
py::list BlobList(const BlobVec& blobs) {
  py::list list;
  for (Blob* b : blobs) list.append(py::cast(b, py::return_value_policy::reference));
  return list;
}

// "ValueError: boom (at m.py:12 in forward)": the exception and the frame of
// the layer's code it was raised in, for the one-line form.
std::string Summarize(py::error_already_set& e) {
  std::string text = py::str(e.type().attr("__name__")).cast<std::string>();
  const std::string message = py::str(e.value()).cast<std::string>();
  if (!message.empty()) text += ": " + message;
  if (e.trace()) {
    py::list frames = py::module_::import("traceback").attr("extract_tb")(e.trace());
    if (!frames.empty()) {
      py::handle last = frames[frames.size() - 1];
      const std::string file = py::str(last.attr("filename")).cast<std::string>();
      text += " (at " + file.substr(file.rfind('/') + 1) + ":" + py::str(last.attr("lineno")).cast<std::string>() +
              " in " + py::str(last.attr("name")).cast<std::string>() + ")";
    }
  }
  return text;
}

class PythonLayer : public Layer {
 public:
  PythonLayer(const LayerParameter& param, bool errors_as_lines) : Layer(param), errors_as_lines_(errors_as_lines) {}
  ~PythonLayer() override {
    // A net that outlives the interpreter (freed at exit) must not touch it.
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      self_ = py::object();
    } else {
      self_.release();
    }
  }

  const char* type() const override { return "Python"; }

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override {
    py::gil_scoped_acquire gil;
    const PythonParameter& pp = layer_param_.python_param();
    CNN_CHECK(!pp.module().empty() && !pp.layer().empty(),
              where() << "python_param needs both module and layer (the Python module and class to load)");
    // From Python, import and method errors propagate as the Python
    // exceptions they are, with their tracebacks.
    py::object cls;
    Guard("import", [&] { cls = py::module_::import(pp.module().c_str()).attr(pp.layer().c_str()); });
    py::object proto = py::module_::import("cnn.proto.cnn_pb2").attr("LayerParameter")();
    proto.attr("ParseFromString")(py::bytes(layer_param_.SerializeAsString()));
    Guard("__init__", [&] { self_ = cls(proto); });
    self_.attr("param_str") = pp.param_str();
    self_.attr("phase") = static_cast<int>(phase_);
    if (!py::hasattr(self_, "blobs")) self_.attr("blobs") = py::module_::import("cnn").attr("BlobList")();
    // Blobs given in the prototxt or a weights file come first, as for any
    // layer: the Python side sees them in self.blobs.
    py::list existing;
    for (const BlobPtr& b : blobs_) existing.append(b);
    if (!blobs_.empty()) self_.attr("blobs").attr("extend")(existing);
    Guard("setup", [&] { self_.attr("setup")(BlobList(bottom), BlobList(top)); });
    blobs_.clear();
    int i = 0;
    for (const py::handle b : self_.attr("blobs")) {
      if (!py::isinstance<Blob>(b))
        CNN_THROW(where() << "self.blobs[" << i << "] is " << py::repr(b).cast<std::string>() << ", not a cnn.Blob");
      blobs_.push_back(b.cast<BlobPtr>());
      if (blobs_.back()->name().empty()) blobs_.back()->set_name(layer_param_.name() + " blob " + std::to_string(i));
      ++i;
    }
  }

  void Reshape(const BlobVec& bottom, const BlobVec& top) override {
    py::gil_scoped_acquire gil;
    Guard("reshape", [&] { self_.attr("reshape")(BlobList(bottom), BlobList(top)); });
  }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {
    py::gil_scoped_acquire gil;
    Guard("forward", [&] { self_.attr("forward")(BlobList(bottom), BlobList(top)); });
  }
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override {
    py::gil_scoped_acquire gil;
    Guard("backward", [&] { self_.attr("backward")(BlobList(top), propagate_down, BlobList(bottom)); });
  }
  // The Python code reads and writes host memory through the Blobs' arrays,
  // which sync from and to the GPU: the CPU path is the GPU path.
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override { Forward_cpu(bottom, top); }
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override {
    Backward_cpu(top, propagate_down, bottom);
  }

 private:
  // Runs one step of the Python side (GIL held); in the tool a Python error
  // becomes a cnn::Error naming the layer, its module and class, the step
  // and the exception.
  template <typename F>
  void Guard(const char* step, F&& f) {
    if (!errors_as_lines_) return f();
    try {
      f();
    } catch (py::error_already_set& e) {
      const PythonParameter& pp = layer_param_.python_param();
      CNN_THROW(where() << "module '" << pp.module() << "', class '" << pp.layer() << "', " << step << ": "
                        << Summarize(e));
    }
  }

  const bool errors_as_lines_;
  py::object self_;
};

}  // namespace

std::unique_ptr<Layer> MakePythonLayer(const LayerParameter& param, bool errors_as_lines) {
  return std::make_unique<PythonLayer>(param, errors_as_lines);
}

void RegisterPythonLayer() {
  // The tool registers its own maker (which starts the interpreter first).
  if (LayerRegistry::Has("Python")) return;
  LayerRegistry::Add("Python", [](const LayerParameter& p) { return MakePythonLayer(p, false); });
}

}  // namespace python
}  // namespace cnn
