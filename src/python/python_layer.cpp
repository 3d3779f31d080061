// The layer type "Python" (pycaffe's Python layers), in nets built from the
// Python module: python_param { module layer param_str } names a class on
// sys.path (usually a subclass of cnn.Layer) whose setup, reshape, forward
// and backward receive lists of Blobs. Learnable blobs the layer puts in
// self.blobs during setup become the layer's blobs, which the solver updates.
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

class PythonLayer : public Layer {
 public:
  explicit PythonLayer(const LayerParameter& param) : Layer(param) {}
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
    // Import and method errors propagate as the Python exceptions they are,
    // with their tracebacks.
    py::object cls = py::module_::import(pp.module().c_str()).attr(pp.layer().c_str());
    py::object proto = py::module_::import("cnn.proto.cnn_pb2").attr("LayerParameter")();
    proto.attr("ParseFromString")(py::bytes(layer_param_.SerializeAsString()));
    self_ = cls(proto);
    self_.attr("param_str") = pp.param_str();
    self_.attr("phase") = static_cast<int>(phase_);
    if (!py::hasattr(self_, "blobs")) self_.attr("blobs") = py::module_::import("cnn").attr("BlobList")();
    // Blobs given in the prototxt or a weights file come first, as for any
    // layer: the Python side sees them in self.blobs.
    py::list existing;
    for (const BlobPtr& b : blobs_) existing.append(b);
    if (!blobs_.empty()) self_.attr("blobs").attr("extend")(existing);
    self_.attr("setup")(BlobList(bottom), BlobList(top));
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
    self_.attr("reshape")(BlobList(bottom), BlobList(top));
  }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override {
    py::gil_scoped_acquire gil;
    self_.attr("forward")(BlobList(bottom), BlobList(top));
  }
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override {
    py::gil_scoped_acquire gil;
    self_.attr("backward")(BlobList(top), propagate_down, BlobList(bottom));
  }
  // The Python code reads and writes host memory through the Blobs' arrays,
  // which sync from and to the GPU: the CPU path is the GPU path.
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override { Forward_cpu(bottom, top); }
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override {
    Backward_cpu(top, propagate_down, bottom);
  }

 private:
  py::object self_;
};

}  // namespace

void RegisterPythonLayer() {
  if (LayerRegistry::Has("Python")) return;
  LayerRegistry::Add("Python", [](const LayerParameter& p) -> std::unique_ptr<Layer> {
    return std::make_unique<PythonLayer>(p);
  });
}

}  // namespace python
}  // namespace cnn
