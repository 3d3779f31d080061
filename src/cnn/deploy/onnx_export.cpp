#include "cnn/deploy/onnx_export.hpp"

#include <map>
#include <mutex>

#include "cnn/core/common.hpp"
#include "cnn/deploy/onnx_graph.hpp"

namespace cnn {
namespace {

using onnx_export::Graph;

const std::map<std::string, onnx_export::LayerWriter>& AllWriters() {
  static std::once_flag once;
  std::call_once(once, [] {
    onnx_export::AddConvolutionWriters();
    onnx_export::AddElementwiseWriters();
    onnx_export::AddShapeWriters();
  });
  return onnx_export::Writers();
}

// The IR version of the ONNX release that introduced the opset (1.8 and
// 1.9: IR 7 with opsets 13 and 14; 1.10 to 1.13: IR 8 with 15 to 18), the
// oldest readers of that opset accept no newer IR.
int64_t IrVersionFor(int opset) { return opset <= 14 ? 7 : 8; }

void SetValueInfo(onnx::ValueInfoProto* v, const std::string& name, const Blob& blob) {
  v->set_name(name);
  onnx::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = t->mutable_shape();
  for (int d : blob.shape()) shape->add_dim()->set_dim_value(d);
}

bool IsDataSource(const std::string& type) {
  return type == "Data" || type == "ImageData" || type == "MemoryData" || type == "WindowData" ||
         type == "HDF5Data" || type == "DummyData";
}

}  // namespace

std::string OnnxExportableTypes() {
  std::string list = "Input";
  for (const auto& [type, writer] : AllWriters()) list += ", " + type;
  return list;
}

onnx::ModelProto ExportOnnx(const Net& net, int opset, const std::string& producer_version) {
  CNN_CHECK(opset >= kMinOnnxOpset && opset <= kMaxOnnxOpset,
            "--opset=" << opset << ": the export writes opsets " << kMinOnnxOpset << " to " << kMaxOnnxOpset);
  const auto& writers = AllWriters();
  onnx::ModelProto model;
  model.set_ir_version(IrVersionFor(opset));
  onnx::OperatorSetIdProto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.set_producer_name("cnn");
  model.set_producer_version(producer_version);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name(net.name().empty() ? "net" : net.name());
  Graph g(graph);

  std::map<const Blob*, size_t> last_writer;
  for (size_t i = 0; i < net.layers().size(); ++i)
    for (const Blob* t : net.top_vecs()[i]) last_writer[t] = i;
  std::map<const Blob*, std::string> current;  // the tensor holding each blob's value so far

  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    const LayerParameter& p = layer.layer_param();
    const std::string type = layer.type();
    const std::string where = "layer '" + p.name() + "' (" + type + "): ";
    if (type == "Input") {
      for (const Blob* t : net.top_vecs()[i]) {
        current[t] = g.Fresh(net.blob_name(t));
        SetValueInfo(graph->add_input(), current[t], *t);
      }
      continue;
    }
    CNN_CHECK(!IsDataSource(type), where << "a data layer; export a deploy net, whose inputs are Input layers");
    const auto w = writers.find(type);
    CNN_CHECK(w != writers.end(), where << "has no ONNX form in this export (it writes " << OnnxExportableTypes() << ")");
    onnx_export::LayerExport e{g, layer, p, net.bottom_vecs()[i], net.top_vecs()[i], {}, {}, opset};
    for (const Blob* b : e.bottom) {
      const auto it = current.find(b);
      CNN_CHECK(it != current.end(), where << "reads '" << net.blob_name(b) << "', which no exported layer wrote");
      e.in.push_back(it->second);
    }
    for (const Blob* t : e.top) {
      const std::string blob = net.blob_name(t);
      e.out.push_back(g.Fresh(last_writer[t] == i ? blob : blob + "/" + p.name()));
    }
    w->second(e);
    for (size_t k = 0; k < e.top.size(); ++k) current[e.top[k]] = e.out[k];
  }
  for (const Blob* b : net.output_blobs()) SetValueInfo(graph->add_output(), current.at(b), *b);
  return model;
}

}  // namespace cnn
