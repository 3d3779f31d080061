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
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/parallel.hpp"
#include "support/gpu_check.hpp"

namespace cnn {
namespace {

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
  // Two OpenMP threads beside a single-threaded OpenBLAS turn the parallel loops on.
  const int blas_threads = openblas_get_num_threads(), omp_threads = omp_get_max_threads();
  openblas_set_num_threads(1);
  omp_set_num_threads(2);
  EXPECT_TRUE(ParallelLoopPays(static_cast<int64_t>(c.size())));
  Im2Col(x.data(), num, g, col_parallel.data());
  Col2Im(c.data(), num, g, im_parallel.data());
  openblas_set_num_threads(blas_threads);
  omp_set_num_threads(omp_threads);
  EXPECT_EQ(col_parallel, col_serial);
  EXPECT_EQ(im_parallel, im_serial);
  EXPECT_EQ(col_serial, NaiveIm2Col(x, num, g));
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

}  // namespace
}  // namespace cnn
