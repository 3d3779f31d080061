#include "cnn/layers/conv/conv_geometry_param.hpp"

#include <climits>
#include <cstdint>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

using Values = google::protobuf::RepeatedField<uint32_t>;

// Far beyond any real window, and small enough that a dilated extent
// (dilation * (kernel - 1) + 1) or a deconvolution's output size computed
// in 64 bits cannot overflow.
constexpr uint32_t kMaxWindowValue = uint32_t{1} << 24;

int WindowValue(uint32_t v, const char* name, const std::string& where) {
  CNN_CHECK(v <= kMaxWindowValue, where << name << " value " << v << " is too large (at most " << kMaxWindowValue << ")");
  return static_cast<int>(v);
}

// The product of `n` sizes, or -1 past INT_MAX.
int64_t ProductWithin(const int* sizes, int n, int64_t start) {
  int64_t p = start;
  for (int a = 0; a < n && p >= 0; ++a) {
    p *= sizes[a];
    if (p > INT_MAX) p = -1;
  }
  return p;
}

// What every message about the window says about the input.
std::string InputText(const Blob& bottom, int axes) {
  return "input of shape " + bottom.shape_string() + " with " + std::to_string(axes) + " spatial axes";
}

// A repeated field: nothing (the fallback), one value for every spatial
// axis, or one per axis.
void ReadRepeated(const Values& values, int fallback, const char* name, const std::string& input,
                  const std::string& where, ConvGeometryNd* g, int* out) {
  const int n = values.size();
  CNN_CHECK(n <= 1 || n == g->axes, where << name << " has " << n << " values for " << input
                                          << "; give one, or one per spatial axis (" << g->axes << ")");
  for (int a = 0; a < g->axes; ++a) out[a] = n == 0 ? fallback : WindowValue(values.Get(n == 1 ? 0 : a), name, where);
}

// The 2-D-only _h/_w pair standing in for repeated field `name`; false when
// neither half is given.
bool ReadHw(bool has_h, bool has_w, uint32_t h, uint32_t w, bool need_both, const char* name, int repeated,
            const std::string& input, const std::string& where, const ConvGeometryNd& g, int* out) {
  if (!has_h && !has_w) return false;
  CNN_CHECK(g.axes == 2, where << name << "_h/" << name << "_w apply to 2 spatial axes only, " << input << "; give "
                               << name << (name[0] == 'k' ? "_size" : "") << " instead");
  CNN_CHECK(!need_both || (has_h && has_w), where << "give both " << name << "_h and " << name << "_w");
  CNN_CHECK(repeated == 0, where << "give either " << name << (name[0] == 'k' ? "_size" : "") << " or " << name << "_h/"
                                 << name << "_w, not both");
  out[0] = WindowValue(h, name, where);
  out[1] = WindowValue(w, name, where);
  return true;
}

void CheckPositive(const int* values, const char* name, const std::string& where, const ConvGeometryNd& g) {
  for (int a = 0; a < g.axes; ++a) {
    CNN_CHECK(values[a] > 0, where << name << " must be positive, got " << AxesText(values, g.axes));
  }
}

}  // namespace

std::string AxesText(const int* values, int axes, const char* separator) {
  std::string s;
  for (int a = 0; a < axes; ++a) s += (a ? separator : "") + std::to_string(values[a]);
  return s;
}

int ReadConvWindow(const ConvolutionParameter& p, const Blob& bottom, const std::string& w, ConvGeometryNd* g) {
  const int num_axes = bottom.num_axes();
  CNN_CHECK(p.axis() >= -num_axes && p.axis() < num_axes,
            w << "axis " << p.axis() << " out of range for input of shape " << bottom.shape_string());
  const int channel_axis = bottom.CanonicalAxisIndex(p.axis());
  const int axes = num_axes - channel_axis - 1;
  CNN_CHECK(axes >= 1 && axes <= kMaxConvAxes, w << "needs 1 to " << kMaxConvAxes
                                                 << " spatial axes after the channel axis " << channel_axis << ", got "
                                                 << axes << " in input of shape " << bottom.shape_string());
  g->axes = axes;
  const std::string input = InputText(bottom, axes);

  if (!ReadHw(p.has_kernel_h(), p.has_kernel_w(), p.kernel_h(), p.kernel_w(), true, "kernel", p.kernel_size_size(),
              input, w, *g, g->kernel)) {
    CNN_CHECK(p.kernel_size_size() > 0, w << "needs kernel_size (or kernel_h and kernel_w)");
    ReadRepeated(p.kernel_size(), 0, "kernel_size", input, w, g, g->kernel);
  }
  CheckPositive(g->kernel, "kernel", w, *g);
  if (!ReadHw(p.has_stride_h(), p.has_stride_w(), p.stride_h(), p.stride_w(), true, "stride", p.stride_size(), input, w,
              *g, g->stride)) {
    ReadRepeated(p.stride(), 1, "stride", input, w, g, g->stride);
  }
  CheckPositive(g->stride, "stride", w, *g);
  // An unset pad_h or pad_w is 0 (Caffe's default), so one half suffices.
  if (!ReadHw(p.has_pad_h(), p.has_pad_w(), p.pad_h(), p.pad_w(), false, "pad", p.pad_size(), input, w, *g, g->pad)) {
    ReadRepeated(p.pad(), 0, "pad", input, w, g, g->pad);
  }
  ReadRepeated(p.dilation(), 1, "dilation", input, w, g, g->dilation);
  CheckPositive(g->dilation, "dilation", w, *g);
  return channel_axis;
}

void CheckConvAxisCount(const Blob& bottom, int channel_axis, const ConvGeometryNd& g, const std::string& w) {
  CNN_CHECK(bottom.num_axes() == channel_axis + 1 + g.axes,
            w << "was set up for " << g.axes << " spatial axes after the channel axis " << channel_axis << " ("
              << channel_axis + 1 + g.axes << " axes in all), got input of shape " << bottom.shape_string());
}

void ReadConvInput(const Blob& bottom, int channel_axis, const std::string& w, ConvGeometryNd* g) {
  CheckConvAxisCount(bottom, channel_axis, *g, w);
  bool fits = true;
  int64_t extent[kMaxConvAxes], padded[kMaxConvAxes];
  for (int a = 0; a < g->axes; ++a) {
    g->in[a] = bottom.shape(channel_axis + 1 + a);
    extent[a] = static_cast<int64_t>(g->dilation[a]) * (g->kernel[a] - 1) + 1;
    padded[a] = g->in[a] + 2 * static_cast<int64_t>(g->pad[a]);
    fits = fits && extent[a] <= padded[a];
  }
  auto text = [&](const int64_t* v) {
    std::string s;
    for (int a = 0; a < g->axes; ++a) s += (a ? "x" : "") + std::to_string(v[a]);
    return s;
  };
  CNN_CHECK(fits, w << "kernel " << AxesText(g->kernel, g->axes) << " (extent " << text(extent) << " with dilation "
                    << AxesText(g->dilation, g->axes) << ") larger than padded input " << text(padded) << " (input "
                    << bottom.shape_string() << ", pad " << AxesText(g->pad, g->axes) << ")");
  for (int a = 0; a < g->axes; ++a) {
    CNN_CHECK(padded[a] <= INT_MAX,
              w << "padded input " << text(padded) << " too large (input " << bottom.shape_string() << ")");
  }
  CheckConvSizes(*g, bottom, w);
}

void CheckConvSizes(const ConvGeometryNd& g, const Blob& bottom, const std::string& w) {
  int out[kMaxConvAxes];
  for (int a = 0; a < g.axes; ++a) out[a] = g.out(a);
  const int64_t col_rows = ProductWithin(g.kernel, g.axes, g.channels);
  const int64_t image = ProductWithin(g.in, g.axes, g.channels);
  const int64_t outputs = ProductWithin(out, g.axes, 1);
  CNN_CHECK(col_rows >= 0 && image >= 0 && outputs >= 0,
            w << "window too large for input " << bottom.shape_string() << ": " << g.channels << " channels x kernel "
              << AxesText(g.kernel, g.axes) << " over an image of " << AxesText(g.in, g.axes) << " with output "
              << AxesText(out, g.axes) << " passes 2^31 - 1 entries");
}

}  // namespace cnn
