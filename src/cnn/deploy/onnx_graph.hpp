// Writing an ONNX graph (proto/onnx_subset.proto) node by node: the
// initialisers (weights, shape constants), nodes with their attributes, and
// tensor names made unique, because ONNX names every value once while a
// Caffe net rewrites blobs in place.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/onnx_subset.pb.h"

namespace cnn {
namespace onnx_export {

class Graph {
 public:
  explicit Graph(onnx::GraphProto* graph) : graph_(graph) {}

  // A name not used before, `base` itself when free.
  std::string Fresh(const std::string& base);
  // Constants; each returns the initialiser's (fresh) name.
  std::string Floats(const std::string& base, const std::vector<int64_t>& dims, const float* data);
  std::string Floats(const std::string& base, const std::vector<int64_t>& dims, const std::vector<float>& data) {
    return Floats(base, dims, data.data());
  }
  std::string Int64s(const std::string& base, const std::vector<int64_t>& values);
  // A node; `outputs` must be fresh names.
  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name);
  // One node with one fresh output named after `base`; returns that name.
  std::string Op(const std::string& op, const std::vector<std::string>& inputs, const std::string& base,
                 onnx::NodeProto** node = nullptr);

  static void Int(onnx::NodeProto* n, const std::string& name, int64_t v);
  static void Ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v);
  static void Float(onnx::NodeProto* n, const std::string& name, float v);
  static void String(onnx::NodeProto* n, const std::string& name, const std::string& v);

 private:
  onnx::GraphProto* graph_;
  std::set<std::string> used_;
};

// One Caffe layer being written: its inputs' tensor names (in bottom order)
// and the names its outputs must take (in top order).
struct LayerExport {
  Graph& g;
  const Layer& layer;
  const LayerParameter& p;
  const BlobVec& bottom;
  const BlobVec& top;
  std::vector<std::string> in;
  std::vector<std::string> out;
  int opset;

  const std::string& name() const { return p.name(); }
  // "layer 'conv1' (Convolution): " for errors.
  std::string where() const { return "layer '" + p.name() + "' (" + p.type() + "): "; }
  // Learned blob i as an initialiser named NAME/SUFFIX, in shape `dims` (its own when empty).
  std::string Weight(int i, const std::string& suffix, std::vector<int64_t> dims = {}) const;
};

using LayerWriter = std::function<void(LayerExport&)>;
// The writers by Caffe type name, filled by the onnx_layers_*.cpp files.
std::map<std::string, LayerWriter>& Writers();
void AddConvolutionWriters();  // Convolution, Deconvolution, Pooling, InnerProduct, LRN
void AddElementwiseWriters();  // activations, BatchNorm, Scale, Bias, Eltwise
void AddShapeWriters();        // Concat, Split, Dropout, Flatten, Reshape, Softmax, Slice, Crop

std::vector<int64_t> Dims(const std::vector<int>& shape);
// The trailing-ones shape that broadcasts a tensor of `shape` against a
// tensor of `rank` axes starting at `axis` (numpy rules align from the end).
std::vector<int64_t> BroadcastDims(const std::vector<int>& shape, int axis, int rank);

}  // namespace onnx_export
}  // namespace cnn
