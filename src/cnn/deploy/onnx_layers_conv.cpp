// ONNX writers for the windowed layers: Convolution (Conv), Deconvolution
// (ConvTranspose), Pooling, InnerProduct (Gemm) and LRN.
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/deploy/onnx_graph.hpp"
#include "cnn/layers/conv/conv_geometry_param.hpp"
#include "cnn/layers/pool/pooling_layer.hpp"

namespace cnn {
namespace onnx_export {
namespace {

std::vector<int64_t> Per(const int* values, int axes) { return std::vector<int64_t>(values, values + axes); }

// Caffe pads every spatial axis by the same amount at both ends; ONNX lists
// all begins, then all ends.
std::vector<int64_t> Pads(const std::vector<int64_t>& begin, const std::vector<int64_t>& end) {
  std::vector<int64_t> pads = begin;
  pads.insert(pads.end(), end.begin(), end.end());
  return pads;
}

// padding_mode (our field) pads with an ONNX Pad node first; circular has no
// ONNX mode before opset 19.
std::string PaddedInput(LayerExport& e, PaddingMode mode, const std::vector<int64_t>& pad, std::vector<int64_t>* conv_pad) {
  if (mode == ZEROS) return e.in[0];
  CNN_CHECK(mode != CIRCULAR, e.where() << "padding_mode CIRCULAR has no ONNX form at opsets below 19");
  const int rank = e.bottom[0]->num_axes();
  std::vector<int64_t> begin(rank, 0);
  for (size_t a = 0; a < pad.size(); ++a) begin[rank - pad.size() + a] = pad[a];
  onnx::NodeProto* n = nullptr;
  const std::string out = e.g.Op("Pad", {e.in[0], e.g.Int64s(e.name() + "/pads", Pads(begin, begin))},
                                 e.name() + "/padded", &n);
  Graph::String(n, "mode", mode == REFLECT ? "reflect" : "edge");
  conv_pad->assign(pad.size(), 0);
  return out;
}

void WriteConvolution(LayerExport& e, bool transposed) {
  const ConvolutionParameter& cp = e.p.convolution_param();
  ConvGeometryNd geo;
  const int channel_axis = ReadConvWindow(cp, *e.bottom[0], e.where(), &geo);
  CNN_CHECK(channel_axis == 1, e.where() << "channel axis " << channel_axis << ": ONNX convolutions take axis 1");
  std::vector<int64_t> pad = Per(geo.pad, geo.axes);
  const std::string x = PaddedInput(e, cp.padding_mode(), pad, &pad);
  CNN_CHECK(!transposed || cp.padding_mode() == ZEROS,
            e.where() << "padding_mode other than ZEROS on a Deconvolution has no ONNX form");
  std::vector<std::string> inputs = {x, e.Weight(0, "W")};
  if (cp.bias_term()) inputs.push_back(e.Weight(1, "B"));
  onnx::NodeProto* n = e.g.Node(transposed ? "ConvTranspose" : "Conv", inputs, {e.out[0]}, e.name());
  Graph::Ints(n, "kernel_shape", Per(geo.kernel, geo.axes));
  Graph::Ints(n, "strides", Per(geo.stride, geo.axes));
  Graph::Ints(n, "pads", Pads(pad, pad));
  Graph::Ints(n, "dilations", Per(geo.dilation, geo.axes));
  Graph::Int(n, "group", cp.group());
}

// Caffe's pooled size rounds up (or down with round_mode FLOOR) and drops a
// window that would start in the padding; ONNX rounds by ceil_mode. The
// net's own top size decides which ONNX rounding gives it, and a size
// neither gives is refused.
int64_t CeilModeFor(const LayerExport& e, int in, int kernel, int pad, int stride, int out) {
  const int span = in + 2 * pad - kernel;
  const int floor_size = span / stride + 1;
  const int ceil_size = (span + stride - 1) / stride + 1;
  if (out == floor_size) return 0;
  CNN_CHECK(out == ceil_size, e.where() << "pooled size " << out << " from " << in << " (kernel " << kernel
                                        << ", pad " << pad << ", stride " << stride
                                        << ") is neither ONNX's floor (" << floor_size << ") nor ceil ("
                                        << ceil_size << ") size");
  return 1;
}

void WritePooling(LayerExport& e) {
  const PoolingParameter& pp = e.p.pooling_param();
  CNN_CHECK(e.top.size() == 1, e.where() << "the argmax (mask) top has no ONNX form");
  CNN_CHECK(pp.pool() != PoolingParameter::STOCHASTIC, e.where() << "STOCHASTIC pooling has no ONNX form");
  const bool max = pp.pool() == PoolingParameter::MAX;
  CNN_CHECK(e.bottom[0]->num_axes() == 4, e.where() << "expected a 4-D input, got " << e.bottom[0]->shape_string());
  if (pp.global_pooling()) {
    e.g.Node(max ? "GlobalMaxPool" : "GlobalAveragePool", {e.in[0]}, {e.out[0]}, e.name());
    return;
  }
  const int kh = pp.has_kernel_size() ? pp.kernel_size() : pp.kernel_h();
  const int kw = pp.has_kernel_size() ? pp.kernel_size() : pp.kernel_w();
  const int ph = pp.has_pad_h() ? pp.pad_h() : pp.pad();
  const int pw = pp.has_pad_w() ? pp.pad_w() : pp.pad();
  const int sh = pp.has_stride_h() ? pp.stride_h() : pp.stride();
  const int sw = pp.has_stride_w() ? pp.stride_w() : pp.stride();
  std::vector<int64_t> pad = {ph, pw};
  const std::string x = PaddedInput(e, pp.padding_mode(), pad, &pad);
  const int h = e.bottom[0]->shape(2) + 2 * (ph - static_cast<int>(pad[0]));
  const int w = e.bottom[0]->shape(3) + 2 * (pw - static_cast<int>(pad[1]));
  const int64_t ceil_h = CeilModeFor(e, h, kh, pad[0], sh, e.top[0]->shape(2));
  const int64_t ceil_w = CeilModeFor(e, w, kw, pad[1], sw, e.top[0]->shape(3));
  CNN_CHECK(ceil_h == ceil_w, e.where() << "its height rounds " << (ceil_h ? "up" : "down") << " and its width "
                                        << (ceil_w ? "up" : "down") << ": ONNX has one ceil_mode for both");
  onnx::NodeProto* n = e.g.Node(max ? "MaxPool" : "AveragePool", {x}, {e.out[0]}, e.name());
  Graph::Ints(n, "kernel_shape", {kh, kw});
  Graph::Ints(n, "strides", {sh, sw});
  Graph::Ints(n, "pads", Pads(pad, pad));
  Graph::Int(n, "ceil_mode", ceil_h);
  // Caffe divides by the window clipped to the padded input: padding counts.
  if (!max) Graph::Int(n, "count_include_pad", 1);
}

void WriteInnerProduct(LayerExport& e) {
  const InnerProductParameter& ip = e.p.inner_product_param();
  const Blob& x = *e.bottom[0];
  const int axis = x.CanonicalAxisIndex(ip.axis());
  std::string a = e.in[0];
  if (!(axis == 1 && x.num_axes() == 2)) {
    onnx::NodeProto* flat = nullptr;
    a = e.g.Op("Flatten", {a}, e.name() + "/flat", &flat);
    Graph::Int(flat, "axis", axis);
  }
  std::vector<std::string> inputs = {a, e.Weight(0, "W")};
  if (ip.bias_term()) inputs.push_back(e.Weight(1, "B"));
  const bool reshape = axis != 1;
  const std::string gemm_out = reshape ? e.g.Fresh(e.name() + "/gemm") : e.out[0];
  onnx::NodeProto* n = e.g.Node("Gemm", inputs, {gemm_out}, e.name());
  // Caffe keeps W as (outputs x inputs) unless transpose is set.
  Graph::Int(n, "transB", ip.transpose() ? 0 : 1);
  if (reshape) {
    e.g.Node("Reshape", {gemm_out, e.g.Int64s(e.name() + "/shape", Dims(e.top[0]->shape()))}, {e.out[0]},
             e.name() + "/reshape");
  }
}

void WriteLRN(LayerExport& e) {
  const LRNParameter& lp = e.p.lrn_param();
  const int n = lp.local_size();
  if (lp.norm_region() == LRNParameter::ACROSS_CHANNELS) {
    // Both divide alpha by the window size: (k + alpha / n * sum x^2)^beta.
    onnx::NodeProto* node = e.g.Node("LRN", {e.in[0]}, {e.out[0]}, e.name());
    Graph::Int(node, "size", n);
    Graph::Float(node, "alpha", lp.alpha());
    Graph::Float(node, "beta", lp.beta());
    Graph::Float(node, "bias", lp.k());
    return;
  }
  // WITHIN_CHANNEL: x * (1 + alpha * mean of x^2 over the zero-padded n x n window)^-beta.
  const std::string& x = e.in[0];
  const std::string sq = e.g.Op("Mul", {x, x}, e.name() + "/sq");
  onnx::NodeProto* pool = nullptr;
  const std::string mean = e.g.Op("AveragePool", {sq}, e.name() + "/mean", &pool);
  const int64_t pre = (n - 1) / 2;
  Graph::Ints(pool, "kernel_shape", {n, n});
  Graph::Ints(pool, "pads", {pre, pre, n - 1 - pre, n - 1 - pre});
  Graph::Int(pool, "count_include_pad", 1);
  const std::string scaled = e.g.Op("Mul", {mean, e.g.Floats(e.name() + "/alpha", {1}, {lp.alpha()})}, e.name() + "/scaled");
  const std::string base = e.g.Op("Add", {scaled, e.g.Floats(e.name() + "/one", {1}, {1.f})}, e.name() + "/base");
  const std::string factor =
      e.g.Op("Pow", {base, e.g.Floats(e.name() + "/neg_beta", {1}, {-lp.beta()})}, e.name() + "/factor");
  e.g.Node("Mul", {x, factor}, {e.out[0]}, e.name());
}

}  // namespace

void AddConvolutionWriters() {
  Writers()["Convolution"] = [](LayerExport& e) { WriteConvolution(e, false); };
  Writers()["Deconvolution"] = [](LayerExport& e) { WriteConvolution(e, true); };
  Writers()["Pooling"] = WritePooling;
  Writers()["InnerProduct"] = WriteInnerProduct;
  Writers()["LRN"] = WriteLRN;
}

}  // namespace onnx_export
}  // namespace cnn
