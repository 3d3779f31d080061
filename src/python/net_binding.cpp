// cnn.Net and cnn.Layer. The binding keeps to what needs C++ (building,
// running layer ranges, the blob and layer lists, weights files); the
// pycaffe conveniences over it (blobs, params, forward(**inputs), ...) are
// added in cnn/_net.py.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/layers/data/memory_data_layer.hpp"
#include "cnn/net/net.hpp"

namespace cnn {
namespace python {
namespace {

std::shared_ptr<Net> BuildNet(const std::string& network_file, const py::object& phase_value, int level,
                              const py::object& stages, const py::object& weights) {
  const int phase = PhaseFromPython(phase_value);
  NetParameter param = ReadNetParamsFromTextFile(network_file);
  NetState* state = param.mutable_state();
  state->set_phase(static_cast<Phase>(phase));
  state->set_level(level);
  if (!stages.is_none()) {
    if (py::isinstance<py::str>(stages)) throw py::type_error("stages must be a list of strings, not a string");
    for (const py::handle s : stages) state->add_stage(s.cast<std::string>());
  }
  auto net = std::make_shared<Net>(param);
  if (!weights.is_none()) net->CopyTrainedLayersFromFile(weights.cast<std::string>());
  return net;
}

int LayerIndex(const Net& net, int index, const char* what) {
  const int n = static_cast<int>(net.layers().size());
  if (index < 0 || index >= n)
    throw py::index_error(std::string(what) + ": layer index " + std::to_string(index) + " outside the net's " +
                          std::to_string(n) + " layers");
  return index;
}

std::vector<std::string> Names(const Net& net, const BlobVec& blobs) {
  std::vector<std::string> names;
  for (const Blob* b : blobs) names.push_back(net.blob_name(b));
  return names;
}

std::vector<std::vector<std::string>> NamesPerLayer(const Net& net, const std::vector<BlobVec>& vecs) {
  std::vector<std::vector<std::string>> names;
  for (const BlobVec& v : vecs) names.push_back(Names(net, v));
  return names;
}

// pycaffe's Net.set_input_arrays: the first layer must be MemoryData; the
// arrays are served in place (no copy), so cnn/_net.py keeps them alive.
// Only float32 C-contiguous arrays convert (no forcecast): a converted copy
// would die with this call and leave the layer reading freed memory.
void SetInputArrays(Net& net, const py::array_t<float, py::array::c_style>& data,
                    const py::array_t<float, py::array::c_style>& labels) {
  auto* layer = net.layers().empty() ? nullptr : dynamic_cast<MemoryDataLayer*>(net.layers()[0].get());
  if (!layer) throw py::value_error("set_input_arrays: the net's first layer must be a MemoryData layer");
  if (data.ndim() != 4)
    throw py::value_error("set_input_arrays: data must have 4 axes (N x C x H x W), got " +
                          std::to_string(data.ndim()));
  if (data.shape(1) != layer->channels() || data.shape(2) != layer->height() || data.shape(3) != layer->width())
    throw py::value_error("set_input_arrays: data of shape " + std::to_string(data.shape(1)) + "x" +
                          std::to_string(data.shape(2)) + "x" + std::to_string(data.shape(3)) + " per example, layer '" +
                          layer->name() + "' expects " + std::to_string(layer->channels()) + "x" +
                          std::to_string(layer->height()) + "x" + std::to_string(layer->width()));
  if (labels.size() != data.shape(0))
    throw py::value_error("set_input_arrays: " + std::to_string(labels.size()) + " labels for " +
                          std::to_string(data.shape(0)) + " examples");
  layer->Reset(data.data(), labels.data(), static_cast<int>(data.shape(0)));
}

}  // namespace

void BindNet(py::module_& m) {
  py::class_<Layer, std::shared_ptr<Layer>>(m, "Layer", "One layer of a Net: its type and learnable blobs.")
      .def_property_readonly("type", [](const Layer& l) { return std::string(l.type()); })
      .def_property_readonly("name", &Layer::name)
      .def_property_readonly("blobs", [](Layer& l) { return l.blobs(); })
      .def_property_readonly("phase", [](const Layer& l) { return static_cast<int>(l.phase()); })
      .def("__repr__", [](const Layer& l) { return "<cnn.Layer '" + l.name() + "' (" + l.type() + ")>"; });

  py::class_<Net, std::shared_ptr<Net>>(m, "Net", py::dynamic_attr(),
                                         "Net(network_file, phase, level=0, stages=None, weights=None) or "
                                         "Net(network_file, weights, phase)")
      // The (file, weights, phase) form first: a string second argument is
      // weights; anything else goes to the phase form, which says what a
      // phase must be.
      .def(py::init([](const std::string& file, const std::string& weights, const py::object& phase) {
             return BuildNet(file, phase, 0, py::none(), py::str(weights));
           }),
           py::arg("network_file"), py::arg("weights"), py::arg("phase"))
      .def(py::init(&BuildNet), py::arg("network_file"), py::arg("phase"), py::arg("level") = 0,
           py::arg("stages") = py::none(), py::arg("weights") = py::none())
      .def_property_readonly("name", &Net::name)
      .def_property_readonly("phase", [](const Net& n) { return static_cast<int>(n.phase()); })
      .def_property_readonly("_layer_names", &Net::layer_names)
      .def_property_readonly("_blob_names", &Net::blob_names)
      .def_property_readonly("_blobs", &Net::blobs)
      .def_property_readonly("_blob_loss_weights", [](const Net& n) {
        std::vector<float> weights;
        for (const BlobPtr& b : n.blobs()) weights.push_back(n.blob_loss_weight(b.get()));
        return weights;
      })
      // Each Layer object shares ownership of its net, so a layer kept in
      // Python keeps the net it belongs to.
      .def_property_readonly("layers", [](const std::shared_ptr<Net>& n) {
        std::vector<std::shared_ptr<Layer>> layers;
        for (const auto& l : n->layers()) layers.emplace_back(n, l.get());
        return layers;
      })
      .def_property_readonly("inputs", [](const Net& n) { return Names(n, n.input_blobs()); })
      .def_property_readonly("outputs", [](const Net& n) { return Names(n, n.output_blobs()); })
      .def_property_readonly("_bottom_names", [](const Net& n) { return NamesPerLayer(n, n.bottom_vecs()); })
      .def_property_readonly("_top_names", [](const Net& n) { return NamesPerLayer(n, n.top_vecs()); })
      .def("_forward", [](Net& n, int start, int end) {
             LayerIndex(n, start, "forward");
             LayerIndex(n, end, "forward");
             return n.ForwardFromTo(start, end);
           }, py::arg("start"), py::arg("end"), "Runs layers start..end (inclusive); returns their loss.")
      .def("_backward", [](Net& n, int start, int end) {
             LayerIndex(n, start, "backward");
             LayerIndex(n, end, "backward");
             n.BackwardFromTo(start, end);
           }, py::arg("start"), py::arg("end"), "Runs the backward pass of layers start down to end.")
      .def("reshape", &Net::Reshape, "Re-runs every layer's Reshape after an input blob changed shape.")
      .def("clear_param_diffs", &Net::ClearParamDiffs)
      .def("_set_input_arrays", &SetInputArrays, py::arg("data"), py::arg("labels"))
      .def("copy_from", &Net::CopyTrainedLayersFromFile, py::arg("filename"),
           "Copies weights (.caffemodel, or text) into the layers of the same name.")
      .def("share_with", &Net::ShareTrainedLayersWith, py::arg("other"),
           "Makes this net use the other net's parameter memory, layer by layer name.")
      .def("save", [](const Net& n, const std::string& filename) {
             NetParameter param;
             n.ToProto(&param, false);
             WriteProtoToBinaryFile(param, filename);
           }, py::arg("filename"), "Writes the net with its weights as a binary .caffemodel.")
      // Without HDF5 in the build both raise the error saying so.
      .def("save_hdf5", [](const Net& n, const std::string& filename) {
             hdf5::File file = hdf5::File::Create(filename);
             n.ToHDF5(&file);
             file.Close();
           }, py::arg("filename"), "Writes the weights in Caffe's HDF5 layout (.caffemodel.h5).")
      .def("load_hdf5", &Net::CopyTrainedLayersFromHDF5, py::arg("filename"),
           "Copies weights from Caffe's HDF5 layout into the layers of the same name.")
      .def("__repr__", [](const Net& n) {
        return "<cnn.Net '" + n.name() + "' (" + (n.phase() == TRAIN ? "TRAIN" : "TEST") + "), " +
               std::to_string(n.layers().size()) + " layers>";
      });
}

}  // namespace python
}  // namespace cnn
