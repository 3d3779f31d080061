#include "cnn/net/receptive_field.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "cnn/core/common.hpp"
#include "cnn/layers/conv/conv_geometry_param.hpp"
#include "cnn/net/net.hpp"

namespace cnn {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

template <typename Get>
std::string AxesText(const ReceptiveField& f, Get get) {
  if (f.kind == ReceptiveField::NONE) return "-";
  if (f.kind == ReceptiveField::WHOLE) return "whole";
  if (f.kind == ReceptiveField::UNKNOWN) return "?";
  std::string s;
  for (const auto& a : f.axes) s += (s.empty() ? "" : "x") + Number(get(a));
  return s;
}

// Layers whose every output value reads only the same position of its
// inputs (across channels at most): the field passes through unchanged.
bool IsPointwise(const Layer& layer) {
  static const std::set<std::string> kPointwise = {
      "AbsVal", "BNLL",  "BatchNorm", "Bias",  "Clip",    "Dropout", "ELU",  "Eltwise", "Exp",
      "Log",    "PReLU", "Power",     "ReLU",  "Scale",   "Sigmoid", "Split", "Swish",  "TanH",
      "Threshold", "Silence"};
  const std::string type = layer.type();
  if (kPointwise.count(type)) return true;
  const LayerParameter& p = layer.layer_param();
  if (type == "LRN") return p.lrn_param().norm_region() == LRNParameter::ACROSS_CHANNELS;
  if (type == "Softmax") return p.softmax_param().axis() == 1;
  if (type == "Concat") return p.concat_param().axis() == 1 && p.concat_param().concat_dim() == 1;
  if (type == "Slice") return p.slice_param().axis() == 1 && p.slice_param().slice_dim() == 1;
  return false;
}

std::vector<AxisWindow> PoolingWindows(const PoolingParameter& p) {
  AxisWindow h, w;
  h.kernel = p.has_kernel_h() ? p.kernel_h() : p.kernel_size();
  w.kernel = p.has_kernel_w() ? p.kernel_w() : p.kernel_size();
  h.stride = p.has_stride_h() ? p.stride_h() : p.stride();
  w.stride = p.has_stride_w() ? p.stride_w() : p.stride();
  h.pad = p.has_pad_h() ? p.pad_h() : p.pad();
  w.pad = p.has_pad_w() ? p.pad_w() : p.pad();
  return {h, w};
}

std::vector<AxisWindow> ConvWindows(const Layer& layer, const Blob& bottom, int* channel_axis) {
  ConvGeometryNd g;
  *channel_axis = ReadConvWindow(layer.layer_param().convolution_param(), bottom, "layer " + layer.name(), &g);
  std::vector<AxisWindow> windows(g.axes);
  for (int a = 0; a < g.axes; ++a) windows[a] = {g.kernel[a], g.stride[a], g.pad[a], g.dilation[a]};
  return windows;
}

ReceptiveField LayerField(const Layer& layer, const BlobVec& bottom, const std::vector<ReceptiveField>& in,
                          const Blob& top) {
  const std::string type = layer.type();
  const bool any_input = std::any_of(in.begin(), in.end(), [](const ReceptiveField& f) {
    return f.kind != ReceptiveField::NONE;
  });
  if (!any_input) return ReceptiveField::Of(ReceptiveField::NONE);
  // A value with no spatial axes left (fully connected, losses, accuracy,
  // reductions to a vector) reads everything before it.
  if (top.num_axes() < 3) return ReceptiveField::Of(ReceptiveField::WHOLE);
  const ReceptiveField& first = in[0];
  if (first.kind == ReceptiveField::UNKNOWN) return first;
  if (IsPointwise(layer)) return Union(in);
  if (type == "Convolution" || type == "Deconvolution" || type == "Im2col") {
    if (first.kind != ReceptiveField::KNOWN) return first;
    int channel_axis = 1;
    const auto windows = ConvWindows(layer, *bottom[0], &channel_axis);
    if (channel_axis != 1 || windows.size() != first.axes.size()) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
    return type == "Deconvolution" ? ThroughTransposedWindow(first, windows) : ThroughWindow(first, windows);
  }
  if (type == "Pooling") {
    const PoolingParameter& p = layer.layer_param().pooling_param();
    if (p.global_pooling()) return ReceptiveField::Of(ReceptiveField::WHOLE);
    if (first.kind != ReceptiveField::KNOWN) return first;
    if (first.axes.size() != 2) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
    return ThroughWindow(first, PoolingWindows(p));
  }
  if (type == "LRN") {  // within a channel: a local_size square around each pixel
    if (first.kind != ReceptiveField::KNOWN) return first;
    const int size = static_cast<int>(layer.layer_param().lrn_param().local_size());
    return ThroughWindow(first, std::vector<AxisWindow>(first.axes.size(), AxisWindow{size, 1, (size - 1) / 2, 1}));
  }
  if (type == "Crop") {
    if (first.kind != ReceptiveField::KNOWN) return first;
    const CropParameter& p = layer.layer_param().crop_param();
    const int axis = p.axis() < 0 ? p.axis() + bottom[0]->num_axes() : p.axis();
    std::vector<double> offsets(first.axes.size(), 0.0);
    for (size_t a = 0; a < offsets.size(); ++a) {
      const int blob_axis = 2 + static_cast<int>(a);
      if (blob_axis < axis || p.offset_size() == 0) continue;
      offsets[a] = p.offset_size() == 1 ? p.offset(0) : p.offset(std::min(blob_axis - axis, p.offset_size() - 1));
    }
    return Shifted(first, offsets);
  }
  return ReceptiveField::Of(ReceptiveField::UNKNOWN);
}

}  // namespace

ReceptiveField ReceptiveField::Input(int spatial_axes) {
  ReceptiveField f;
  f.kind = KNOWN;
  f.axes.assign(spatial_axes, AxisField());
  return f;
}

std::string ReceptiveField::SizeText() const { return AxesText(*this, [](const AxisField& a) { return a.size; }); }
std::string ReceptiveField::JumpText() const { return AxesText(*this, [](const AxisField& a) { return a.jump; }); }
std::string ReceptiveField::StartText() const { return AxesText(*this, [](const AxisField& a) { return a.start; }); }

ReceptiveField ThroughWindow(const ReceptiveField& in, const std::vector<AxisWindow>& windows) {
  if (in.kind != ReceptiveField::KNOWN) return in;
  if (windows.size() != in.axes.size()) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
  ReceptiveField out = in;
  for (size_t a = 0; a < windows.size(); ++a) {
    const AxisWindow& w = windows[a];
    const double extent = static_cast<double>(w.dilation) * (w.kernel - 1) + 1;
    AxisField& f = out.axes[a];
    f.size = in.axes[a].size + (extent - 1) * in.axes[a].jump;
    f.start = in.axes[a].start + ((extent - 1) / 2 - w.pad) * in.axes[a].jump;
    f.jump = in.axes[a].jump * w.stride;
  }
  return out;
}

ReceptiveField ThroughTransposedWindow(const ReceptiveField& in, const std::vector<AxisWindow>& windows) {
  if (in.kind != ReceptiveField::KNOWN) return in;
  if (windows.size() != in.axes.size()) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
  ReceptiveField out = in;
  for (size_t a = 0; a < windows.size(); ++a) {
    const AxisWindow& w = windows[a];
    const double extent = static_cast<double>(w.dilation) * (w.kernel - 1) + 1;
    AxisField& f = out.axes[a];
    // Output o takes input i where i * stride = o + pad - tap * dilation:
    // the inputs i in [(o + pad - extent + 1) / stride, (o + pad) / stride].
    f.size = in.axes[a].size + (extent - 1) / w.stride * in.axes[a].jump;
    f.start = in.axes[a].start + (w.pad - (extent - 1) / 2) / w.stride * in.axes[a].jump;
    f.jump = in.axes[a].jump / w.stride;
  }
  return out;
}

ReceptiveField Shifted(const ReceptiveField& in, const std::vector<double>& offsets) {
  if (in.kind != ReceptiveField::KNOWN) return in;
  ReceptiveField out = in;
  for (size_t a = 0; a < out.axes.size() && a < offsets.size(); ++a) out.axes[a].start += offsets[a] * in.axes[a].jump;
  return out;
}

ReceptiveField Union(const std::vector<ReceptiveField>& inputs) {
  ReceptiveField out = ReceptiveField::Of(ReceptiveField::NONE);
  for (const auto& f : inputs) {
    if (f.kind == ReceptiveField::NONE) continue;
    if (f.kind == ReceptiveField::UNKNOWN) return f;
    if (f.kind == ReceptiveField::WHOLE || out.kind == ReceptiveField::WHOLE) {
      out = ReceptiveField::Of(ReceptiveField::WHOLE);
      continue;
    }
    if (out.kind == ReceptiveField::NONE) {
      out = f;
      continue;
    }
    if (f.axes.size() != out.axes.size()) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
    for (size_t a = 0; a < f.axes.size(); ++a) {
      AxisField& o = out.axes[a];
      const AxisField& g = f.axes[a];
      if (o.jump != g.jump) return ReceptiveField::Of(ReceptiveField::UNKNOWN);
      const double lo = std::min(o.start - (o.size - 1) / 2, g.start - (g.size - 1) / 2);
      const double hi = std::max(o.start + (o.size - 1) / 2, g.start + (g.size - 1) / 2);
      o.size = hi - lo + 1;
      o.start = (lo + hi) / 2;
    }
  }
  return out;
}

std::map<const Blob*, ReceptiveField> NetReceptiveFields(const Net& net) {
  std::map<const Blob*, ReceptiveField> fields;
  auto field_of = [&](const Blob* b) {
    auto it = fields.find(b);
    if (it != fields.end()) return it->second;
    // A net input (no producing layer): one pixel if it has spatial axes.
    return b->num_axes() >= 3 ? ReceptiveField::Input(b->num_axes() - 2) : ReceptiveField::Of(ReceptiveField::NONE);
  };
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    const BlobVec& bottom = net.bottom_vecs()[i];
    const BlobVec& top = net.top_vecs()[i];
    std::vector<ReceptiveField> in;
    for (const Blob* b : bottom) in.push_back(field_of(b));
    // Crop reads only the first bottom's values; the second gives the size.
    if (std::string(layer.type()) == "Crop" && in.size() > 1) in.resize(1);
    for (const Blob* t : top) {
      if (bottom.empty()) {
        fields[t] = t->num_axes() >= 3 ? ReceptiveField::Input(t->num_axes() - 2)
                                       : ReceptiveField::Of(ReceptiveField::NONE);
      } else {
        fields[t] = LayerField(layer, bottom, in, *t);
      }
    }
  }
  return fields;
}

}  // namespace cnn
