#include "cnn/layers/conv/conv_geometry_param.hpp"

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

// A repeated geometry field: one value for both spatial axes, or one per axis.
void ReadPair(const google::protobuf::RepeatedField<uint32_t>& values, int fallback, const char* name,
              const std::string& where, int* h, int* w) {
  CNN_CHECK(values.size() <= 2,
            where << name << " has " << values.size() << " values; give one, or one per spatial axis (2)");
  if (values.empty()) {
    *h = *w = fallback;
  } else {
    *h = static_cast<int>(values.Get(0));
    *w = static_cast<int>(values.Get(values.size() == 1 ? 0 : 1));
  }
}

}  // namespace

void ReadConvWindow(const ConvolutionParameter& p, const std::string& w, ConvGeometry* g) {
  if (p.has_kernel_h() || p.has_kernel_w()) {
    CNN_CHECK(p.has_kernel_h() && p.has_kernel_w(), w << "give both kernel_h and kernel_w");
    CNN_CHECK(p.kernel_size_size() == 0, w << "give either kernel_size or kernel_h/kernel_w, not both");
    g->kernel_h = static_cast<int>(p.kernel_h());
    g->kernel_w = static_cast<int>(p.kernel_w());
  } else {
    CNN_CHECK(p.kernel_size_size() > 0, w << "needs kernel_size (or kernel_h and kernel_w)");
    ReadPair(p.kernel_size(), 0, "kernel_size", w, &g->kernel_h, &g->kernel_w);
  }
  CNN_CHECK(g->kernel_h > 0 && g->kernel_w > 0,
            w << "kernel must be positive, got " << g->kernel_h << "x" << g->kernel_w);

  if (p.has_stride_h() || p.has_stride_w()) {
    CNN_CHECK(p.has_stride_h() && p.has_stride_w(), w << "give both stride_h and stride_w");
    CNN_CHECK(p.stride_size() == 0, w << "give either stride or stride_h/stride_w, not both");
    g->stride_h = static_cast<int>(p.stride_h());
    g->stride_w = static_cast<int>(p.stride_w());
  } else {
    ReadPair(p.stride(), 1, "stride", w, &g->stride_h, &g->stride_w);
  }
  CNN_CHECK(g->stride_h > 0 && g->stride_w > 0,
            w << "stride must be positive, got " << g->stride_h << "x" << g->stride_w);

  if (p.has_pad_h() || p.has_pad_w()) {
    CNN_CHECK(p.pad_size() == 0, w << "give either pad or pad_h/pad_w, not both");
    g->pad_h = static_cast<int>(p.pad_h());
    g->pad_w = static_cast<int>(p.pad_w());
  } else {
    ReadPair(p.pad(), 0, "pad", w, &g->pad_h, &g->pad_w);
  }

  ReadPair(p.dilation(), 1, "dilation", w, &g->dilation_h, &g->dilation_w);
  CNN_CHECK(g->dilation_h > 0 && g->dilation_w > 0,
            w << "dilation must be positive, got " << g->dilation_h << "x" << g->dilation_w);
}

}  // namespace cnn
