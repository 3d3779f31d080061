#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(ExpLayer, KnownAnswerBase2) {
  // 2^(1 + x/2), dx = dy y ln(2) / 2.
  ExpectKnownAnswer("Exp", "exp_param { base: 2 scale: 0.5 shift: 1 }", {-2, 0, 1, 3}, {1, 2, 3, 4},
                    {1, 2, 2.828427125, 5.656854249}, {0.346573590, 1.386294361, 2.940774430, 7.842065148});
}

TEST(ExpLayer, DefaultBaseIsE) {
  ExpectKnownAnswer("Exp", "", {-2, 0, 1, 3}, {1, 2, 3, 4}, {0.135335283, 1, 2.718281828, 20.085536923},
                    {0.135335283, 2, 8.154845485, 80.342147693});
}

TEST(ExpLayer, BadBase) {
  EXPECT_NE(SetUpError("Exp", "exp_param { base: 0 }").find("exp_param.base must be positive, or -1 for e; got 0"),
            std::string::npos);
  EXPECT_NE(SetUpError("Exp", "exp_param { base: -2 }").find("got -2"), std::string::npos);
}

}  // namespace
}  // namespace cnn
