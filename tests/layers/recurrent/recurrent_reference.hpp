// Step-by-step references for the recurrent layer tests, written as plainly
// as the equations (loops over t, n and units, gates by hand), independent of
// the unrolled nets the layers build.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {

// An RNN or LSTM layer (`type`) with Gaussian weights and biases.
inline std::unique_ptr<Layer> MakeRecurrent(const std::string& type, const std::string& name, int hidden,
                                            const std::string& extra) {
  return LayerRegistry::Create(ParseLayer(
      "name: '" + name + "' type: '" + type + "' recurrent_param { num_output: " + std::to_string(hidden) +
      " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 } " + extra + " }"));
}

// Every stream starts a sequence at t = 0; stream 1 starts another at t = 3
// and stream 2 at t = 2, so resets happen mid-batch.
inline std::vector<float> ContWithResets(int T, int N) {
  std::vector<float> cont(T * N, 1.f);
  for (int n = 0; n < N; ++n) cont[n] = 0.f;
  if (T > 3 && N > 1) cont[3 * N + 1] = 0.f;
  if (T > 2 && N > 2) cont[2 * N + 2] = 0.f;
  return cont;
}

inline void ExpectNear(const std::vector<float>& actual, const std::vector<double>& expected, double tol = 2e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

inline double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Row-major matrix-vector product: out[r] = sum_k m[r * cols + k] * v[k].
inline std::vector<double> MatVec(const std::vector<float>& m, int rows, int cols, const double* v) {
  std::vector<double> out(rows, 0.0);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < cols; ++k) out[r] += static_cast<double>(m[r * cols + k]) * v[k];
  return out;
}

struct LstmReference {
  int T, N, D, H, Ds = 0;                   // Ds: x_static's size per stream (0: none)
  std::vector<float> w_xc, b_c, w_xc_static, w_hc;
  // State per stream, carried over between Run calls as the layer does.
  std::vector<double> h, c;

  void Reset() {
    h.assign(N * H, 0.0);
    c.assign(N * H, 0.0);
  }
  // x: T x N x D, cont: T x N, x_static: N x Ds. Returns T x N x H.
  std::vector<double> Run(const std::vector<float>& x, const std::vector<float>& cont,
                          const std::vector<float>& x_static = {}) {
    std::vector<double> out(T * N * H);
    for (int t = 0; t < T; ++t) {
      for (int n = 0; n < N; ++n) {
        const double k = cont[t * N + n];
        std::vector<double> xt(x.begin() + (t * N + n) * D, x.begin() + (t * N + n + 1) * D);
        std::vector<double> hprev(H);
        for (int j = 0; j < H; ++j) hprev[j] = k * h[n * H + j];
        std::vector<double> gx = MatVec(w_xc, 4 * H, D, xt.data());
        std::vector<double> gh = MatVec(w_hc, 4 * H, H, hprev.data());
        std::vector<double> gs(4 * H, 0.0);
        if (Ds > 0) {
          std::vector<double> xs(x_static.begin() + n * Ds, x_static.begin() + (n + 1) * Ds);
          gs = MatVec(w_xc_static, 4 * H, Ds, xs.data());
        }
        for (int j = 0; j < H; ++j) {
          auto pre = [&](int gate) { return gx[gate * H + j] + b_c[gate * H + j] + gh[gate * H + j] + gs[gate * H + j]; };
          const double i = Sigmoid(pre(0)), f = Sigmoid(pre(1)), o = Sigmoid(pre(2)), g = std::tanh(pre(3));
          const double cell = k * f * c[n * H + j] + i * g;
          c[n * H + j] = cell;
          out[(t * N + n) * H + j] = o * std::tanh(cell);
        }
        for (int j = 0; j < H; ++j) h[n * H + j] = out[(t * N + n) * H + j];
      }
    }
    return out;
  }
};

struct RnnReference {
  int T, N, D, H, Ds = 0;
  std::vector<float> w_xh, b_h, w_xh_static, w_hh, w_ho, b_o;
  std::vector<double> h;

  void Reset() { h.assign(N * H, 0.0); }
  // Returns o, T x N x H.
  std::vector<double> Run(const std::vector<float>& x, const std::vector<float>& cont,
                          const std::vector<float>& x_static = {}) {
    std::vector<double> out(T * N * H);
    for (int t = 0; t < T; ++t) {
      for (int n = 0; n < N; ++n) {
        const double k = cont[t * N + n];
        std::vector<double> xt(x.begin() + (t * N + n) * D, x.begin() + (t * N + n + 1) * D);
        std::vector<double> hprev(H);
        for (int j = 0; j < H; ++j) hprev[j] = k * h[n * H + j];
        std::vector<double> a = MatVec(w_xh, H, D, xt.data());
        std::vector<double> r = MatVec(w_hh, H, H, hprev.data());
        std::vector<double> s(H, 0.0);
        if (Ds > 0) {
          std::vector<double> xs(x_static.begin() + n * Ds, x_static.begin() + (n + 1) * Ds);
          s = MatVec(w_xh_static, H, Ds, xs.data());
        }
        std::vector<double> hn(H);
        for (int j = 0; j < H; ++j) hn[j] = std::tanh(a[j] + b_h[j] + r[j] + s[j]);
        std::vector<double> o = MatVec(w_ho, H, H, hn.data());
        for (int j = 0; j < H; ++j) {
          out[(t * N + n) * H + j] = std::tanh(o[j] + b_o[j]);
          h[n * H + j] = hn[j];
        }
      }
    }
    return out;
  }
};

}  // namespace test
}  // namespace cnn
