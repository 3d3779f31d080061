#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "layers/neuron/neuron_known_answer.hpp"

namespace cnn {
namespace {

using test::ExpectKnownAnswer;
using test::SetUpError;

TEST(ELULayer, KnownAnswer) {
  // alpha (e^x - 1) below 0, dy (y + alpha) there; x = 0 takes the lower branch (Caffe's).
  ExpectKnownAnswer("ELU", "elu_param { alpha: 0.5 }", {-2, -0.5f, 0, 1.5f}, {1, 2, 3, 4},
                    {-0.432332358, -0.196734670, 0, 1.5}, {0.067667642, 0.606530660, 1.5, 4});
}

TEST(ELULayer, DefaultAlphaIsOne) {
  ExpectKnownAnswer("ELU", "", {-1, 2}, {1, 1}, {-0.632120559, 2}, {0.367879441, 1});
}

// A negative alpha makes y positive below 0: only the kept input picks the branch in place.
TEST(ELULayer, NegativeAlphaInPlace) {
  Blob x({1, 2});
  test::FillValues(&x, {-1, 2});
  auto layer = test::MakeNeuron("ELU", "elu_param { alpha: -0.5 }");
  layer->SetUp({&x}, {&x});
  layer->Forward({&x}, {&x});
  EXPECT_NEAR(x.cpu_data()[0], 0.316060279, 1e-6);
  x.mutable_cpu_diff()[0] = 1;
  x.mutable_cpu_diff()[1] = 1;
  layer->Backward({&x}, {true}, {&x});
  EXPECT_NEAR(x.cpu_diff()[0], -0.183939721, 1e-6);  // alpha e^x
  EXPECT_EQ(x.cpu_diff()[1], 1.f);
}

}  // namespace
}  // namespace cnn
