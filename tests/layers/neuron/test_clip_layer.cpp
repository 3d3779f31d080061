#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(ClipLayer, KnownAnswerBoundsPassTheGradient) {
  // Caffe passes the gradient where min <= x <= max, bounds included.
  ExpectKnownAnswer("Clip", "clip_param { min: -1 max: 2 }", {-3, -1, 0.5f, 2, 5}, {1, 2, 3, 4, 5},
                    {-1, -1, 0.5, 2, 2}, {0, 2, 3, 4, 0});
}

TEST(ClipLayer, NaNBecomesMin) {
  // std::max(min, std::min(NaN, max)) is min in Caffe.
  ExpectKnownAnswer("Clip", "clip_param { min: -1 max: 2 }", {std::numeric_limits<float>::quiet_NaN()}, {1},
                    {-1}, {0});
}

TEST(ClipLayer, BadParameters) {
  EXPECT_NE(SetUpError("Clip", "clip_param { min: 3 max: 2 }").find("clip_param.min 3 is above clip_param.max 2"),
            std::string::npos);
  // A clip_param without one of them does not parse (both are required); without clip_param at all it does.
  EXPECT_NE(SetUpError("Clip", "").find("needs clip_param with min and max"), std::string::npos);
}

}  // namespace
}  // namespace cnn
