#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(PowerLayer, KnownAnswerCube) {
  // (1 + x/2)^3, dx = 1.5 (1 + x/2)^2 dy; a negative base is fine for an integer power.
  ExpectKnownAnswer("Power", "power_param { power: 3 scale: 0.5 shift: 1 }", {-4, -1, 0, 2}, {1, 2, 3, 4},
                    {-1, 0.125, 1, 8}, {1.5, 0.75, 4.5, 24});
}

TEST(PowerLayer, KnownAnswerSquare) {
  ExpectKnownAnswer("Power", "power_param { power: 2 scale: -1.5 shift: 0.5 }", {-4, -1, 0, 2}, {1, 2, 3, 4},
                    {42.25, 4, 0.25, 6.25}, {-19.5, -12, -4.5, 30});
}

TEST(PowerLayer, KnownAnswerSqrt) {
  ExpectKnownAnswer("Power", "power_param { power: 0.5 scale: 2 }", {0.25f, 1, 4}, {1, 2, 3},
                    {0.707106781, 1.414213562, 2.828427125}, {1.414213562, 1.414213562, 1.060660172});
}

TEST(PowerLayer, DefaultsAreTheIdentity) {
  ExpectKnownAnswer("Power", "", {-2, 3}, {1, 2}, {-2, 3}, {1, 2});
}

TEST(PowerLayer, ZeroPowerOrScaleIsConstantWithZeroGradient) {
  const float inf = std::numeric_limits<float>::infinity();
  // Caffe's special case: no pow of the input at all, so inf in, 1 out; dx 0 even for an inf dy.
  ExpectKnownAnswer("Power", "power_param { power: 0 scale: 3 shift: -2 }", {-1, inf}, {1, inf}, {1, 1}, {0, 0});
  ExpectKnownAnswer("Power", "power_param { power: 2 scale: 0 shift: -3 }", {-1, 5}, {1, 1}, {9, 9}, {0, 0});
}

TEST(PowerLayer, ZeroBase) {
  // The derivative itself at base 0 (Caffe's y / base would be 0/0 = NaN).
  const double inf = std::numeric_limits<double>::infinity();
  ExpectKnownAnswer("Power", "power_param { power: 3 }", {0}, {1}, {0}, {0});
  ExpectKnownAnswer("Power", "power_param { power: 0.5 }", {0}, {1}, {0}, {inf});
}

TEST(PowerLayer, NegativeBaseNonIntegerPowerIsNaN) {
  // As in Caffe: a property of the data, not of the parameters, so no error.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ExpectKnownAnswer("Power", "power_param { power: 0.5 shift: -1 }", {0, 5}, {1, 1}, {nan, 2}, {nan, 0.25});
}

}  // namespace
}  // namespace cnn
