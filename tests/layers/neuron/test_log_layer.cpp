#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(LogLayer, KnownAnswerBase10) {
  // log10(2x + 1), dx = dy 2 / ln(10) / (2x + 1).
  ExpectKnownAnswer("Log", "log_param { base: 10 scale: 2 shift: 1 }", {0.5f, 1, 4.5f, 49.5f}, {1, 2, 3, 4},
                    {0.301029996, 0.477121255, 1, 2}, {0.434294482, 0.579059309, 0.260576689, 0.034743559});
}

TEST(LogLayer, DefaultBaseIsE) {
  ExpectKnownAnswer("Log", "", {0.5f, 1, 10}, {1, 2, 4}, {-0.693147181, 0, 2.302585093}, {2, 2, 0.4});
}

TEST(LogLayer, NonPositiveArgument) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  ExpectKnownAnswer("Log", "", {0, -1}, {1, 1}, {-inf, nan}, {inf, -1});
}

TEST(LogLayer, BadBase) {
  EXPECT_NE(SetUpError("Log", "log_param { base: -3 }").find("log_param.base must be positive, or -1 for e; got -3"),
            std::string::npos);
  EXPECT_NE(SetUpError("Log", "log_param { base: 0 }").find("got 0"), std::string::npos);
  EXPECT_NE(SetUpError("Log", "log_param { base: 1 }").find("log_param.base 1 has no logarithm"), std::string::npos);
}

}  // namespace
}  // namespace cnn
