#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(SwishLayer, KnownAnswer) {
  // y = x sigmoid(2x); dx = dy (beta y + s (1 - beta y)).
  ExpectKnownAnswer("Swish", "swish_param { beta: 2 }", {-1.5f, 0, 0.5f, 2}, {1, 2, 3, 4},
                    {-0.071138810, 0, 0.365529289, 1.964027580}, {-0.088104106, 1, 2.783011536, 4.210658460});
}

TEST(SwishLayer, DefaultBetaIsOne) {
  // x sigmoid(x) at 1: 0.731058579; slope s + x s (1 - s) = 0.927670497.
  ExpectKnownAnswer("Swish", "", {1}, {1}, {0.731058579}, {0.927670497});
}

}  // namespace
}  // namespace cnn
