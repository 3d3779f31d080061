#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(BNLLLayer, KnownAnswer) {
  // log(1 + e^x) without overflow either way; dx = dy sigmoid(min(x, 50)).
  ExpectKnownAnswer("BNLL", "", {-60, -1, 0, 2, 60}, {1, 2, 3, 4, 5},
                    {8.75651076e-27, 0.313261688, 0.693147181, 2.126928011, 60},
                    {8.75651076e-27, 0.537882843, 1.5, 3.523188312, 5});
}

TEST(BNLLLayer, HugeInputStaysFinite) {
  // exp(1000) overflows; the threshold keeps the gradient at 1.
  ExpectKnownAnswer("BNLL", "", {1000}, {2}, {1000}, {2});
}

}  // namespace
}  // namespace cnn
