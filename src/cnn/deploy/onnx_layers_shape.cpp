// ONNX writers for the layers that move values without arithmetic (Concat,
// Split, Dropout at inference, Flatten, Reshape, Slice, Crop, Tile, Silence)
// and Softmax. Reshapes take the net's own top shape, so the graph has the
// deploy net's fixed sizes.
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/deploy/onnx_graph.hpp"

namespace cnn {
namespace onnx_export {
namespace {

void Identities(LayerExport& e) {
  for (size_t t = 0; t < e.out.size(); ++t) e.g.Node("Identity", {e.in[0]}, {e.out[t]}, e.name());
}

void WriteReshapeToTop(LayerExport& e) {
  e.g.Node("Reshape", {e.in[0], e.g.Int64s(e.name() + "/shape", Dims(e.top[0]->shape()))}, {e.out[0]}, e.name());
}

void WriteConcat(LayerExport& e) {
  const ConcatParameter& cp = e.p.concat_param();
  const int axis = cp.has_concat_dim() && !cp.has_axis() ? static_cast<int>(cp.concat_dim())
                                                         : e.bottom[0]->CanonicalAxisIndex(cp.axis());
  if (e.in.size() == 1) {
    Identities(e);
    return;
  }
  Graph::Int(e.g.Node("Concat", e.in, {e.out[0]}, e.name()), "axis", axis);
}

void WriteSoftmax(LayerExport& e) {
  CNN_CHECK(e.opset >= 13, e.where() << "ONNX's Softmax takes Caffe's per-axis meaning from opset 13 on; use --opset=13 "
                                        "or later");
  Graph::Int(e.g.Node("Softmax", {e.in[0]}, {e.out[0]}, e.name()), "axis",
             e.bottom[0]->CanonicalAxisIndex(e.p.softmax_param().axis()));
}

void WriteSlice(LayerExport& e) {
  const SliceParameter& sp = e.p.slice_param();
  const int axis = sp.has_slice_dim() && !sp.has_axis() ? static_cast<int>(sp.slice_dim())
                                                       : e.bottom[0]->CanonicalAxisIndex(sp.axis());
  std::vector<int64_t> sizes;
  for (const Blob* t : e.top) sizes.push_back(t->shape(axis));
  onnx::NodeProto* n = e.g.Node("Split", {e.in[0], e.g.Int64s(e.name() + "/split", sizes)}, e.out, e.name());
  Graph::Int(n, "axis", axis);
}

void WriteCrop(LayerExport& e) {
  const CropParameter& cp = e.p.crop_param();
  const Blob& x = *e.bottom[0];
  const int axis = x.CanonicalAxisIndex(cp.axis());
  std::vector<int64_t> starts, ends, axes;
  for (int a = axis; a < x.num_axes(); ++a) {
    const int k = a - axis;
    const int64_t offset = cp.offset_size() == 0 ? 0 : cp.offset_size() == 1 ? cp.offset(0) : cp.offset(k);
    starts.push_back(offset);
    ends.push_back(offset + e.top[0]->shape(a));
    axes.push_back(a);
  }
  e.g.Node("Slice",
           {e.in[0], e.g.Int64s(e.name() + "/starts", starts), e.g.Int64s(e.name() + "/ends", ends),
            e.g.Int64s(e.name() + "/axes", axes)},
           {e.out[0]}, e.name());
}

void WriteTile(LayerExport& e) {
  const Blob& x = *e.bottom[0];
  std::vector<int64_t> repeats(x.num_axes(), 1);
  repeats[x.CanonicalAxisIndex(e.p.tile_param().axis())] = e.p.tile_param().tiles();
  e.g.Node("Tile", {e.in[0], e.g.Int64s(e.name() + "/repeats", repeats)}, {e.out[0]}, e.name());
}

}  // namespace

void AddShapeWriters() {
  auto& w = Writers();
  w["Concat"] = WriteConcat;
  w["Split"] = Identities;
  w["Dropout"] = Identities;  // Caffe scales during training, so inference passes values through
  w["Flatten"] = WriteReshapeToTop;
  w["Reshape"] = WriteReshapeToTop;
  w["Softmax"] = WriteSoftmax;
  w["Slice"] = WriteSlice;
  w["Crop"] = WriteCrop;
  w["Tile"] = WriteTile;
  w["Silence"] = [](LayerExport&) {};  // its inputs simply go unused
}

}  // namespace onnx_export
}  // namespace cnn
