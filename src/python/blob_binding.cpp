// cnn.Blob: shape accessors, and data/diff as numpy arrays over the blob's
// own CPU memory (no copy).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"

namespace cnn {
namespace python {
namespace {

// The array's base owns a reference to the SyncedMemory behind it, so a view
// stays valid after its Net (and even its Blob) is gone, as pycaffe's do. A
// blob that later grows gets new memory; old views then keep the old bytes.
py::array View(Blob& blob, bool diff) {
  const std::vector<py::ssize_t> shape(blob.shape().begin(), blob.shape().end());
  const std::shared_ptr<SyncedMemory>& memory = diff ? blob.diff() : blob.data();
  if (!memory || blob.count() == 0) return py::array_t<float>(blob.num_axes() ? shape : std::vector<py::ssize_t>{0});
  // The mutable accessor moves the data to the host (from the GPU if newer
  // there) and marks the host copy as the current one, since Python may write.
  float* values = diff ? blob.mutable_cpu_diff() : blob.mutable_cpu_data();
  auto* owner = new std::shared_ptr<SyncedMemory>(memory);
  py::capsule base(owner, [](void* p) { delete static_cast<std::shared_ptr<SyncedMemory>*>(p); });
  return py::array_t<float>(shape, values, base);
}

std::vector<int> DimsFromPython(const py::args& args, const char* what) {
  // reshape(2, 3) and reshape((2, 3)) both, as numpy's.
  py::sequence dims = args;
  if (args.size() == 1 && py::isinstance<py::sequence>(args[0])) dims = args[0].cast<py::sequence>();
  std::vector<int> shape;
  for (const py::handle d : dims) {
    if (!py::isinstance<py::int_>(d) && !py::hasattr(d, "__index__"))
      throw py::type_error(std::string(what) + ": dimensions must be integers, got " + py::repr(d).cast<std::string>());
    const long long v = py::int_(py::reinterpret_borrow<py::object>(d)).cast<long long>();
    if (v < 0 || v > INT32_MAX)
      throw py::value_error(std::string(what) + ": dimension " + std::to_string(v) + " out of range");
    shape.push_back(static_cast<int>(v));
  }
  return shape;
}

void ReshapeBlob(Blob& blob, const std::vector<int>& shape) {
  try {
    blob.Reshape(shape);
  } catch (const OutOfMemory&) {
    throw;
  } catch (const Error& e) {
    throw py::value_error(e.what());
  }
}

}  // namespace

void BindBlob(py::module_& m) {
  py::class_<Blob, std::shared_ptr<Blob>>(m, "Blob", "An N-D float tensor: data (values) and diff (gradients).")
      .def(py::init([](py::args dims) {
        auto blob = std::make_shared<Blob>();
        ReshapeBlob(*blob, DimsFromPython(dims, "Blob"));
        return blob;
      }))
      .def_property_readonly("data", [](Blob& b) { return View(b, false); },
                             "The values, a numpy view of the blob's memory (write into it with [...] =).")
      .def_property_readonly("diff", [](Blob& b) { return View(b, true); }, "The gradients, a numpy view.")
      .def_property_readonly("shape", [](const Blob& b) { return b.shape(); })
      .def_property_readonly("count", [](const Blob& b) { return b.count(); })
      .def_property_readonly("num", &Blob::num)
      .def_property_readonly("channels", &Blob::channels)
      .def_property_readonly("height", &Blob::height)
      .def_property_readonly("width", &Blob::width)
      .def_property_readonly("name", &Blob::name)
      .def("reshape", [](Blob& b, py::args dims) { ReshapeBlob(b, DimsFromPython(dims, "Blob.reshape")); },
           "reshape(*dims): new shape; the next Net.forward (or Net.reshape) reshapes the layers above.")
      .def("__repr__", [](const Blob& b) { return "<cnn.Blob " + b.shape_string() + ">"; });
}

}  // namespace python
}  // namespace cnn
