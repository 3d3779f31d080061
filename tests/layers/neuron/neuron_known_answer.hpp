// Known-answer helpers for the element-wise layer tests: run one layer on a
// short vector, forward then backward, and compare with hand-computed values.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {

struct NeuronResult {
  std::vector<float> y, dx;
};

inline std::unique_ptr<Layer> MakeNeuron(const std::string& type, const std::string& params) {
  return LayerRegistry::Create(ParseLayer("name: 'n' type: '" + type + "' bottom: 'x' top: 'y' " + params));
}

// y = f(x) and dx for the top gradient dy (bottom shape {1, size}).
inline NeuronResult RunNeuron(const std::string& type, const std::string& params, const std::vector<float>& x,
                              const std::vector<float>& dy) {
  Blob bottom({1, static_cast<int>(x.size())}), top;
  FillValues(&bottom, x);
  auto layer = MakeNeuron(type, params);
  layer->SetUp({&bottom}, {&top});
  layer->Forward({&bottom}, {&top});
  NeuronResult r;
  r.y = DataOf(top);
  std::copy(dy.begin(), dy.end(), top.mutable_cpu_diff());
  layer->Backward({&top}, {true}, {&bottom});
  r.dx.assign(bottom.cpu_diff(), bottom.cpu_diff() + bottom.count());
  return r;
}

// Within 1e-5 relative (absolute below 1); NaN matches NaN and inf its sign.
inline void ExpectValues(const std::vector<float>& actual, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << what << "[" << i << "] = " << actual[i] << ", expected NaN";
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(actual[i], expected[i]) << what << "[" << i << "]";
    } else {
      EXPECT_NEAR(actual[i], expected[i], 1e-5 * std::max(1.0, std::fabs(expected[i]))) << what << "[" << i << "]";
    }
  }
}

inline void ExpectKnownAnswer(const std::string& type, const std::string& params, const std::vector<float>& x,
                              const std::vector<float>& dy, const std::vector<double>& y,
                              const std::vector<double>& dx) {
  SCOPED_TRACE(type + " " + params);
  const NeuronResult r = RunNeuron(type, params, x, dy);
  ExpectValues(r.y, y, "y");
  ExpectValues(r.dx, dx, "dx");
}

// The message SetUp on a {1, 3} input throws for these parameters.
inline std::string SetUpError(const std::string& type, const std::string& params) {
  return ErrorOf([&] {
    Blob bottom({1, 3}), top;
    MakeNeuron(type, params)->SetUp({&bottom}, {&top});
  });
}

}  // namespace test
}  // namespace cnn
