#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::CheckGradient;
using test::FillGaussian;
using test::ParseLayer;

std::unique_ptr<Layer> Make() { return LayerRegistry::Create(ParseLayer(R"(name: "quiet" type: "Silence")")); }

TEST(SilenceLayer, ForwardLeavesBottomsAndBackwardZeroesRequestedDiffs) {
  auto layer = Make();
  Blob a({2, 3}), b({4});
  Context::set_random_seed(2);
  FillGaussian(&a);
  FillGaussian(&b);
  const std::vector<float> before = test::DataOf(a);
  layer->SetUp({&a, &b}, {});
  layer->Forward({&a, &b}, {});
  EXPECT_EQ(test::DataOf(a), before);
  for (int i = 0; i < 6; ++i) a.mutable_cpu_diff()[i] = 1.f;
  for (int i = 0; i < 4; ++i) b.mutable_cpu_diff()[i] = 1.f;
  layer->Backward({}, {true, false}, {&a, &b});
  EXPECT_EQ(a.asum_diff(), 0.f);
  EXPECT_EQ(b.asum_diff(), 4.f);  // not requested: untouched
}

TEST(SilenceLayer, NeedsABottomAndNoTop) {
  Blob a({2}), t;
  const std::string msg = test::ErrorOf([&] { Make()->SetUp({}, {}); });
  EXPECT_NE(msg.find("layer 'quiet' (Silence)"), std::string::npos) << msg;
  EXPECT_THROW(Make()->SetUp({&a}, {&t}), Error);
}

TEST(SilenceLayer, Gradient) {
  auto layer = Make();
  Blob a({2, 3}), b({3});
  Context::set_random_seed(1701);
  FillGaussian(&a);
  FillGaussian(&b);
  // No tops: the objective is constant, so every gradient must be zero.
  CheckGradient(*layer, {&a, &b}, {});
}

TEST(SilenceGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  test::GpuCompareOptions opt;
  opt.tolerance = 0.f;
  test::ExpectGpuMatchesCpu(ParseLayer(R"(name: "quiet" type: "Silence" bottom: "a" bottom: "b")"), {{3, 5}, {7}},
                            opt);
}

TEST(SilenceGpu, BackwardZeroesDiffs) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob a({2, 3});
  layer->SetUp({&a}, {});
  for (int i = 0; i < 6; ++i) a.mutable_cpu_diff()[i] = 1.f;
  layer->Backward({}, {true}, {&a});
  EXPECT_EQ(a.asum_diff(), 0.f);
}

TEST(SilenceGpu, Gradient) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  auto layer = Make();
  Blob a({2, 3});
  Context::set_random_seed(1711);
  FillGaussian(&a);
  CheckGradient(*layer, {&a}, {});
}

}  // namespace
}  // namespace cnn
