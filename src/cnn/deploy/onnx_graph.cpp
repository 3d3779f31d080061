#include "cnn/deploy/onnx_graph.hpp"

#include <cstring>

#include "cnn/core/common.hpp"

namespace cnn {
namespace onnx_export {

std::string Graph::Fresh(const std::string& base) {
  std::string name = base;
  for (int k = 1; used_.count(name); ++k) name = base + "_" + std::to_string(k);
  used_.insert(name);
  return name;
}

std::string Graph::Floats(const std::string& base, const std::vector<int64_t>& dims, const float* data) {
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(Fresh(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t count = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    count *= d;
  }
  // raw_data is little-endian; so is every machine this builds for (x86-64, aarch64).
  t->set_raw_data(std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(count) * sizeof(float)));
  return t->name();
}

std::string Graph::Int64s(const std::string& base, const std::vector<int64_t>& values) {
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(Fresh(base));
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return t->name();
}

onnx::NodeProto* Graph::Node(const std::string& op, const std::vector<std::string>& inputs,
                             const std::vector<std::string>& outputs, const std::string& name) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(Fresh("node:" + name));
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

std::string Graph::Op(const std::string& op, const std::vector<std::string>& inputs, const std::string& base,
                      onnx::NodeProto** node) {
  const std::string out = Fresh(base);
  onnx::NodeProto* n = Node(op, inputs, {out}, base);
  if (node != nullptr) *node = n;
  return out;
}

void Graph::Int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void Graph::Ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void Graph::Float(onnx::NodeProto* n, const std::string& name, float v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void Graph::String(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

std::string LayerExport::Weight(int i, const std::string& suffix, std::vector<int64_t> dims) const {
  CNN_CHECK(static_cast<int>(layer.blobs().size()) > i, where() << "has no learned blob " << i);
  const Blob& b = *layer.blobs()[i];
  if (dims.empty()) dims = Dims(b.shape());
  return g.Floats(p.name() + "/" + suffix, dims, b.cpu_data());
}

std::map<std::string, LayerWriter>& Writers() {
  static std::map<std::string, LayerWriter> writers;
  return writers;
}

std::vector<int64_t> Dims(const std::vector<int>& shape) { return std::vector<int64_t>(shape.begin(), shape.end()); }

std::vector<int64_t> BroadcastDims(const std::vector<int>& shape, int axis, int rank) {
  std::vector<int64_t> dims = Dims(shape);
  const int trailing = rank - axis - static_cast<int>(shape.size());
  for (int k = 0; k < trailing; ++k) dims.push_back(1);
  if (dims.empty()) dims.push_back(1);
  return dims;
}

}  // namespace onnx_export
}  // namespace cnn
