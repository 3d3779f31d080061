#include <cblas.h>
#include <gtest/gtest.h>

#include "cnn/layers/conv/im2col.hpp"
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/parallel.hpp"
#include "layers/conv/nd_index.hpp"
#include "support/gpu_check.hpp"

namespace cnn {
namespace {

using test::Flat;
using test::Next;

ConvGeometry Geometry(int c, int h, int w, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw) {
  ConvGeometry g;
  g.channels = c;
  g.height = h;
  g.width = w;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.pad_h = ph;
  g.pad_w = pw;
  g.stride_h = sh;
  g.stride_w = sw;
  g.dilation_h = dh;
  g.dilation_w = dw;
  return g;
}

std::vector<float> Random(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// Entry (row (c, ki, kj), column (n, oh, ow)) straight from the definition.
std::vector<float> NaiveIm2Col(const std::vector<float>& im, int num, const ConvGeometry& g) {
  const int oh = (g.height + 2 * g.pad_h - (g.dilation_h * (g.kernel_h - 1) + 1)) / g.stride_h + 1;
  const int ow = (g.width + 2 * g.pad_w - (g.dilation_w * (g.kernel_w - 1) + 1)) / g.stride_w + 1;
  const int rows = g.channels * g.kernel_h * g.kernel_w;
  const int cols = num * oh * ow;
  std::vector<float> col(static_cast<size_t>(rows) * cols);
  for (int c = 0; c < g.channels; ++c)
    for (int ki = 0; ki < g.kernel_h; ++ki)
      for (int kj = 0; kj < g.kernel_w; ++kj)
        for (int n = 0; n < num; ++n)
          for (int y = 0; y < oh; ++y)
            for (int x = 0; x < ow; ++x) {
              const int ih = y * g.stride_h - g.pad_h + ki * g.dilation_h;
              const int iw = x * g.stride_w - g.pad_w + kj * g.dilation_w;
              const bool inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
              const int row = (c * g.kernel_h + ki) * g.kernel_w + kj;
              const int column = (n * oh + y) * ow + x;
              col[static_cast<size_t>(row) * cols + column] =
                  inside ? im[((n * g.channels + c) * g.height + ih) * g.width + iw] : 0.f;
            }
  return col;
}

std::vector<ConvGeometry> Geometries() {
  return {
      Geometry(1, 7, 7, 3, 3, 0, 0, 1, 1, 1, 1),  // plain
      Geometry(2, 7, 6, 3, 3, 1, 1, 2, 2, 1, 1),  // stride 2, pad 1, non-square image
      Geometry(3, 9, 9, 3, 3, 2, 2, 1, 1, 2, 2),  // dilation 2
      Geometry(2, 8, 5, 3, 2, 1, 0, 2, 1, 1, 1),  // asymmetric kernel, pad and stride
      Geometry(2, 5, 5, 1, 1, 0, 0, 1, 1, 1, 1),  // 1x1
      Geometry(1, 4, 4, 3, 3, 2, 2, 3, 3, 1, 1),  // pad larger than a stride step, sparse windows
      Geometry(2, 6, 7, 2, 3, 1, 2, 3, 2, 2, 1),  // everything different per axis
  };
}

TEST(Im2Col, MatchesDefinition) {
  for (const ConvGeometry& g : Geometries()) {
    for (int num : {1, 3}) {
      const auto im = Random(static_cast<size_t>(num) * g.image_size(), 7);
      std::vector<float> col(static_cast<size_t>(g.col_rows()) * num * g.out_size(), 123.f);
      Im2Col(im.data(), num, g, col.data());
      const auto expected = NaiveIm2Col(im, num, g);
      ASSERT_EQ(col.size(), expected.size());
      for (size_t i = 0; i < col.size(); ++i) {
        ASSERT_EQ(col[i], expected[i])
            << "geometry k" << g.kernel_h << "x" << g.kernel_w << " p" << g.pad_h << "x" << g.pad_w << " s"
            << g.stride_h << "x" << g.stride_w << " num " << num << " entry " << i;
      }
    }
  }
}

TEST(Im2Col, Col2ImIsTheAdjoint) {
  // <im2col(x), c> == <x, col2im(c)> for every x and c characterises col2im.
  for (const ConvGeometry& g : Geometries()) {
    for (int num : {1, 2}) {
      const auto x = Random(static_cast<size_t>(num) * g.image_size(), 11);
      const auto c = Random(static_cast<size_t>(g.col_rows()) * num * g.out_size(), 13);
      std::vector<float> col(c.size());
      std::vector<float> im(x.size(), 55.f);  // garbage that col2im must overwrite
      Im2Col(x.data(), num, g, col.data());
      Col2Im(c.data(), num, g, im.data());
      double lhs = 0, rhs = 0;
      for (size_t i = 0; i < c.size(); ++i) lhs += static_cast<double>(col[i]) * c[i];
      for (size_t i = 0; i < x.size(); ++i) rhs += static_cast<double>(x[i]) * im[i];
      EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs))) << "kernel " << g.kernel_h << "x" << g.kernel_w;
    }
  }
}

TEST(Im2Col, Col2ImCountsOverlaps) {
  // Columns of ones: each pixel receives how many windows cover it.
  const ConvGeometry g = Geometry(1, 4, 4, 3, 3, 0, 0, 1, 1, 1, 1);
  std::vector<float> ones(static_cast<size_t>(g.col_rows()) * g.out_size(), 1.f);
  std::vector<float> im(16);
  Col2Im(ones.data(), 1, g, im.data());
  const std::vector<float> expected = {1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1};
  EXPECT_EQ(im, expected);
}

TEST(Im2Col, OutputSizes) {
  EXPECT_EQ(Geometry(1, 7, 7, 3, 3, 0, 0, 1, 1, 1, 1).out_h(), 5);
  EXPECT_EQ(Geometry(1, 7, 7, 3, 3, 0, 0, 2, 2, 1, 1).out_h(), 3);
  EXPECT_EQ(Geometry(1, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1).out_h(), 7);
  EXPECT_EQ(Geometry(1, 9, 9, 3, 3, 0, 0, 1, 1, 2, 2).out_h(), 5);
  EXPECT_EQ(Geometry(1, 227, 227, 11, 11, 0, 0, 4, 4, 1, 1).out_w(), 55);
}

TEST(Im2Col, ParallelLoopsMatchSerial) {
#ifndef _OPENMP
  GTEST_SKIP() << "built without OpenMP";
#else
  const ConvGeometry g = Geometry(8, 20, 19, 3, 3, 1, 1, 1, 1, 1, 1);
  const int num = 4;
  const auto x = Random(static_cast<size_t>(num) * g.image_size(), 17);
  const auto c = Random(static_cast<size_t>(g.col_rows()) * num * g.out_size(), 19);
  std::vector<float> col_serial(c.size()), col_parallel(c.size()), im_serial(x.size()), im_parallel(x.size());
  ASSERT_FALSE(ParallelLoopPays(1000));  // too small to ever go parallel
  Im2Col(x.data(), num, g, col_serial.data());
  Col2Im(c.data(), num, g, im_serial.data());
  // The generic N-D loops over three spatial axes.
  ConvGeometryNd nd;
  nd.axes = 3;
  nd.channels = 6;
  const int in[3] = {8, 9, 7}, stride[3] = {1, 1, 2};
  for (int a = 0; a < 3; ++a) {
    nd.in[a] = in[a];
    nd.kernel[a] = 3;
    nd.pad[a] = 1;
    nd.stride[a] = stride[a];
    nd.dilation[a] = 1;
  }
  const auto x_nd = Random(static_cast<size_t>(num) * nd.image_size(), 23);
  const auto c_nd = Random(static_cast<size_t>(nd.col_rows()) * num * nd.out_size(), 29);
  std::vector<float> col_nd_serial(c_nd.size()), col_nd_parallel(c_nd.size()), im_nd_serial(x_nd.size()),
      im_nd_parallel(x_nd.size());
  Im2ColNd(x_nd.data(), num, nd, col_nd_serial.data());
  Col2ImNd(c_nd.data(), num, nd, im_nd_serial.data());
  // Two OpenMP threads beside a single-threaded OpenBLAS turn the parallel loops on.
  const int blas_threads = openblas_get_num_threads(), omp_threads = omp_get_max_threads();
  openblas_set_num_threads(1);
  omp_set_num_threads(2);
  EXPECT_TRUE(ParallelLoopPays(static_cast<int64_t>(c.size())));
  Im2Col(x.data(), num, g, col_parallel.data());
  Col2Im(c.data(), num, g, im_parallel.data());
  EXPECT_TRUE(ParallelLoopPays(static_cast<int64_t>(c_nd.size())));
  Im2ColNd(x_nd.data(), num, nd, col_nd_parallel.data());
  Col2ImNd(c_nd.data(), num, nd, im_nd_parallel.data());
  openblas_set_num_threads(blas_threads);
  omp_set_num_threads(omp_threads);
  EXPECT_EQ(col_parallel, col_serial);
  EXPECT_EQ(im_parallel, im_serial);
  EXPECT_EQ(col_serial, NaiveIm2Col(x, num, g));
  EXPECT_EQ(col_nd_parallel, col_nd_serial);
  EXPECT_EQ(im_nd_parallel, im_nd_serial);
#endif
}

// ---- GPU --------------------------------------------------------------------
// Both maps are exact on the GPU: im2col copies, and col2im adds each pixel's
// taps in the CPU's order, so the results are compared for equality.

#ifdef CNN_WITH_CUDA
// A blob holding `values`; kernels read them through gpu_data().
std::unique_ptr<Blob> DeviceCopy(const std::vector<float>& values) {
  auto b = std::make_unique<Blob>(std::vector<int>{static_cast<int>(values.size())});
  std::copy(values.begin(), values.end(), b->mutable_cpu_data());
  return b;
}
#endif

TEST(Im2ColGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
#ifdef CNN_WITH_CUDA
  test::ScopedGpuMode gpu;
  std::vector<ConvGeometry> geometries = Geometries();
  geometries.push_back(Geometry(3, 31, 27, 11, 11, 0, 0, 4, 4, 1, 1));  // AlexNet conv1's window
  geometries.push_back(Geometry(5, 13, 17, 3, 3, 1, 1, 1, 1, 1, 1));
  for (const ConvGeometry& g : geometries) {
    for (int num : {1, 3}) {
      SCOPED_TRACE(::testing::Message() << "geometry c" << g.channels << " " << g.height << "x" << g.width << " k"
                                        << g.kernel_h << "x" << g.kernel_w << " p" << g.pad_h << "x" << g.pad_w
                                        << " s" << g.stride_h << "x" << g.stride_w << " d" << g.dilation_h << "x"
                                        << g.dilation_w << " num " << num);
      const auto im = Random(static_cast<size_t>(num) * g.image_size(), 7);
      const size_t col_count = static_cast<size_t>(g.col_rows()) * num * g.out_size();
      std::vector<float> col(col_count);
      Im2Col(im.data(), num, g, col.data());
      auto d_im = DeviceCopy(im);
      auto d_col = DeviceCopy(std::vector<float>(col_count, 123.f));  // garbage im2col must overwrite
      Im2ColGpu(d_im->gpu_data(), num, g, d_col->mutable_gpu_data());
      EXPECT_EQ(std::vector<float>(d_col->cpu_data(), d_col->cpu_data() + col_count), col) << "im2col";

      const auto c = Random(col_count, 13);
      std::vector<float> back(im.size());
      Col2Im(c.data(), num, g, back.data());
      auto d_c = DeviceCopy(c);
      auto d_back = DeviceCopy(std::vector<float>(im.size(), 55.f));  // garbage col2im must overwrite
      Col2ImGpu(d_c->gpu_data(), num, g, d_back->mutable_gpu_data());
      EXPECT_EQ(std::vector<float>(d_back->cpu_data(), d_back->cpu_data() + im.size()), back) << "col2im";
    }
  }
#endif
}

TEST(Im2ColGpu, Col2ImCountsOverlaps) {
  SKIP_WITHOUT_GPU();
#ifdef CNN_WITH_CUDA
  test::ScopedGpuMode gpu;
  // Columns of ones: each pixel receives how many windows cover it; with
  // stride 2 and pad 1 some pixels are covered by one window, some by four.
  const ConvGeometry g = Geometry(1, 5, 5, 3, 3, 1, 1, 2, 2, 1, 1);
  auto ones = DeviceCopy(std::vector<float>(static_cast<size_t>(g.col_rows()) * g.out_size(), 1.f));
  Blob im(std::vector<int>{25});
  Col2ImGpu(ones->gpu_data(), 1, g, im.mutable_gpu_data());
  const std::vector<float> expected = {1, 2, 1, 2, 1, 2, 4, 2, 4, 2, 1, 2, 1, 2, 1,
                                       2, 4, 2, 4, 2, 1, 2, 1, 2, 1};
  EXPECT_EQ(std::vector<float>(im.cpu_data(), im.cpu_data() + 25), expected);
#endif
}


// ---- N-D: the generic loops (im2col.hpp's Nd functions) against a loop
// straight from the definition, against the 2-D loops where both apply, and
// on the GPU against the CPU.

struct Axis {
  int in, kernel, pad, stride, dilation;
};

ConvGeometryNd Geometry(int channels, const std::vector<Axis>& axes) {
  ConvGeometryNd g;
  g.axes = static_cast<int>(axes.size());
  g.channels = channels;
  for (int a = 0; a < g.axes; ++a) {
    g.in[a] = axes[a].in;
    g.kernel[a] = axes[a].kernel;
    g.pad[a] = axes[a].pad;
    g.stride[a] = axes[a].stride;
    g.dilation[a] = axes[a].dilation;
  }
  return g;
}

std::string Describe(const ConvGeometryNd& g, int num) {
  std::ostringstream s;
  s << "c" << g.channels << " num " << num;
  for (int a = 0; a < g.axes; ++a) {
    s << " [in " << g.in[a] << " k " << g.kernel[a] << " p " << g.pad[a] << " s " << g.stride[a] << " d "
      << g.dilation[a] << "]";
  }
  return s.str();
}

// Entry (row (c, tap), column (n, output position)) from the definition:
// tap k of output o reads input o * stride - pad + k * dilation per axis.
std::vector<float> NaiveIm2Col(const std::vector<float>& im, int num, const ConvGeometryNd& g) {
  std::vector<int> in(g.axes), kernel(g.axes), out(g.axes);
  int in_size = 1, taps = 1, out_size = 1;
  for (int a = 0; a < g.axes; ++a) {
    in[a] = g.in[a];
    kernel[a] = g.kernel[a];
    out[a] = (g.in[a] + 2 * g.pad[a] - (g.dilation[a] * (g.kernel[a] - 1) + 1)) / g.stride[a] + 1;
    in_size *= in[a];
    taps *= kernel[a];
    out_size *= out[a];
  }
  const size_t cols = static_cast<size_t>(num) * out_size;
  std::vector<float> col(static_cast<size_t>(g.channels) * taps * cols, -99.f);
  for (int n = 0; n < num; ++n) {
    for (int c = 0; c < g.channels; ++c) {
      std::vector<int> k(g.axes, 0);
      do {
        std::vector<int> o(g.axes, 0);
        do {
          std::vector<int> x(g.axes);
          bool inside = true;
          for (int a = 0; a < g.axes; ++a) {
            x[a] = o[a] * g.stride[a] - g.pad[a] + k[a] * g.dilation[a];
            inside = inside && x[a] >= 0 && x[a] < in[a];
          }
          const size_t row = static_cast<size_t>(c) * taps + Flat(k, kernel);
          const size_t column = static_cast<size_t>(n) * out_size + Flat(o, out);
          col[row * cols + column] =
              inside ? im[(static_cast<size_t>(n) * g.channels + c) * in_size + Flat(x, in)] : 0.f;
        } while (Next(&o, out));
      } while (Next(&k, kernel));
    }
  }
  return col;
}

std::vector<ConvGeometryNd> NdGeometries() {
  return {
      Geometry(2, {{9, 3, 1, 2, 1}}),                                    // 1-D, stride and pad
      Geometry(1, {{10, 3, 2, 1, 3}}),                                   // 1-D, dilation 3
      Geometry(2, {{6, 3, 1, 2, 1}, {7, 2, 0, 1, 2}}),                   // 2-D, different per axis
      Geometry(1, {{5, 3, 1, 1, 1}, {4, 3, 1, 1, 1}, {6, 3, 1, 1, 1}}),  // 3-D 3x3x3, pad 1
      Geometry(2, {{4, 2, 0, 2, 1}, {6, 3, 2, 1, 2}, {5, 1, 0, 3, 1}}),  // 3-D, everything per axis
      Geometry(3, {{3, 1, 0, 1, 1}, {4, 1, 0, 1, 1}, {2, 1, 0, 1, 1}}),  // 3-D 1x1x1
      Geometry(1, {{4, 3, 3, 3, 1}, {3, 2, 1, 2, 1}, {5, 3, 0, 1, 1}}),  // pad past a stride: empty rows
      Geometry(1, {{3, 2, 0, 1, 1}, {4, 2, 1, 2, 1}, {3, 3, 1, 1, 1}, {5, 2, 0, 2, 2}}),  // 4-D
  };
}

TEST(Im2ColNd, MatchesDefinition) {
  for (const ConvGeometryNd& g : NdGeometries()) {
    for (int num : {1, 3}) {
      SCOPED_TRACE(Describe(g, num));
      const auto im = Random(static_cast<size_t>(num) * g.image_size(), 5);
      const auto expected = NaiveIm2Col(im, num, g);
      ASSERT_EQ(expected.size(), static_cast<size_t>(g.col_rows()) * num * g.out_size());
      std::vector<float> col(expected.size(), 123.f);  // garbage im2col must overwrite
      Im2ColNd(im.data(), num, g, col.data());
      EXPECT_EQ(col, expected);
      std::vector<float> dispatched(expected.size(), 7.f);
      Im2Col(im.data(), num, g, dispatched.data());
      EXPECT_EQ(dispatched, expected);
    }
  }
}

TEST(Im2ColNd, Col2ImIsTheAdjoint) {
  // <Im2Col(x), c> == <x, Col2Im(c)> for random x and c.
  for (const ConvGeometryNd& g : NdGeometries()) {
    for (int num : {1, 2}) {
      SCOPED_TRACE(Describe(g, num));
      const auto x = Random(static_cast<size_t>(num) * g.image_size(), 11);
      const auto c = Random(static_cast<size_t>(g.col_rows()) * num * g.out_size(), 12);
      std::vector<float> col(c.size()), im(x.size(), 55.f);
      Im2ColNd(x.data(), num, g, col.data());
      Col2ImNd(c.data(), num, g, im.data());
      double lhs = 0, rhs = 0;
      for (size_t i = 0; i < c.size(); ++i) lhs += static_cast<double>(col[i]) * c[i];
      for (size_t i = 0; i < x.size(); ++i) rhs += static_cast<double>(x[i]) * im[i];
      EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs)));
    }
  }
}

TEST(Im2ColNd, GenericAndTwoDLoopsAgree) {
  // One and two spatial axes: the generic loops, the 2-D loops (through
  // As2d) and force_nd's dispatch give identical bits, col2im included
  // (both add each pixel's taps in tap order).
  for (const ConvGeometryNd& g : NdGeometries()) {
    if (!g.has_2d_form()) continue;
    for (int num : {1, 3}) {
      SCOPED_TRACE(Describe(g, num));
      const auto x = Random(static_cast<size_t>(num) * g.image_size(), 21);
      const auto c = Random(static_cast<size_t>(g.col_rows()) * num * g.out_size(), 22);
      std::vector<float> col_nd(c.size()), col_2d(c.size()), col_forced(c.size());
      Im2ColNd(x.data(), num, g, col_nd.data());
      Im2Col(x.data(), num, g.As2d(), col_2d.data());
      Im2Col(x.data(), num, g, col_forced.data(), true);
      EXPECT_EQ(col_nd, col_2d);
      EXPECT_EQ(col_forced, col_2d);
      std::vector<float> im_nd(x.size()), im_2d(x.size());
      Col2ImNd(c.data(), num, g, im_nd.data());
      Col2Im(c.data(), num, g.As2d(), im_2d.data());
      EXPECT_EQ(im_nd, im_2d);
    }
  }
}

TEST(Im2ColNd, Col2ImCountsOverlaps3d) {
  // Columns of ones: a pixel receives one entry per window covering it. A
  // 3-wide axis under a 2-wide kernel with stride 1 covers its pixels 1, 2, 1
  // times; over three such axes the count is the product.
  const ConvGeometryNd g = Geometry(1, {{3, 2, 0, 1, 1}, {3, 2, 0, 1, 1}, {3, 2, 0, 1, 1}});
  const std::vector<float> ones(static_cast<size_t>(g.col_rows()) * g.out_size(), 1.f);
  std::vector<float> im(27);
  Col2ImNd(ones.data(), 1, g, im.data());
  const int per_axis[3] = {1, 2, 1};
  for (int d = 0; d < 3; ++d)
    for (int h = 0; h < 3; ++h)
      for (int w = 0; w < 3; ++w) {
        EXPECT_EQ(im[(d * 3 + h) * 3 + w], static_cast<float>(per_axis[d] * per_axis[h] * per_axis[w]))
            << d << " " << h << " " << w;
      }
}

// ---- N-D on the GPU: exact, as for the 2-D kernels ----------------------------

#ifdef CNN_WITH_CUDA
std::vector<float> HostCopy(const Blob& b) { return std::vector<float>(b.cpu_data(), b.cpu_data() + b.count()); }
#endif

TEST(Im2ColNdGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
#ifdef CNN_WITH_CUDA
  test::ScopedGpuMode gpu;
  for (const ConvGeometryNd& g : NdGeometries()) {
    for (int num : {1, 3}) {
      SCOPED_TRACE(Describe(g, num));
      const auto im = Random(static_cast<size_t>(num) * g.image_size(), 7);
      const size_t col_count = static_cast<size_t>(g.col_rows()) * num * g.out_size();
      std::vector<float> col(col_count);
      Im2ColNd(im.data(), num, g, col.data());
      auto d_im = DeviceCopy(im);
      auto d_col = DeviceCopy(std::vector<float>(col_count, 123.f));
      Im2ColNdGpu(d_im->gpu_data(), num, g, d_col->mutable_gpu_data());
      EXPECT_EQ(HostCopy(*d_col), col) << "im2col";
      auto d_dispatched = DeviceCopy(std::vector<float>(col_count, 123.f));
      Im2ColGpu(d_im->gpu_data(), num, g, d_dispatched->mutable_gpu_data());
      EXPECT_EQ(HostCopy(*d_dispatched), col) << "im2col, dispatched";

      const auto c = Random(col_count, 13);
      std::vector<float> back(im.size());
      Col2ImNd(c.data(), num, g, back.data());
      auto d_c = DeviceCopy(c);
      auto d_back = DeviceCopy(std::vector<float>(im.size(), 55.f));
      Col2ImNdGpu(d_c->gpu_data(), num, g, d_back->mutable_gpu_data());
      EXPECT_EQ(HostCopy(*d_back), back) << "col2im";
      auto d_back_dispatched = DeviceCopy(std::vector<float>(im.size(), 55.f));
      Col2ImGpu(d_c->gpu_data(), num, g, d_back_dispatched->mutable_gpu_data());
      EXPECT_EQ(HostCopy(*d_back_dispatched), back) << "col2im, dispatched";
    }
  }
#endif
}

}  // namespace
}  // namespace cnn
