#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(AbsValLayer, KnownAnswer) {
  // dx = sign(x) dy, sign(0) = 0.
  ExpectKnownAnswer("AbsVal", "", {-2.5f, 0, 3}, {1, 2, 3}, {2.5, 0, 3}, {-1, 0, 3});
}

}  // namespace
}  // namespace cnn
