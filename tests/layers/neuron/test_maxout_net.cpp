// Maxout (Goodfellow et al.) needs no layer of its own: k InnerProducts on one
// input and an Eltwise MAX over their outputs are a maxout unit with k
// pieces. This net (k = 2, 3 units, a Euclidean loss) checks the composite's
// forward against the definition and its gradients, for the input and every
// weight and bias, against central differences of the net's loss.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "cnn/core/context.hpp"
#include "cnn/net/net.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

const char kMaxoutNet[] = R"(
name: "maxout"
force_backward: true
layer { name: "in" type: "Input" top: "x" top: "target"
        input_param { shape { dim: 4 dim: 6 } shape { dim: 4 dim: 3 } } }
layer { name: "piece1" type: "InnerProduct" bottom: "x" top: "piece1"
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.5 }
                              bias_filler { type: "gaussian" std: 0.5 } } }
layer { name: "piece2" type: "InnerProduct" bottom: "x" top: "piece2"
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.5 }
                              bias_filler { type: "gaussian" std: 0.5 } } }
layer { name: "maxout" type: "Eltwise" bottom: "piece1" bottom: "piece2" top: "maxout"
        eltwise_param { operation: MAX } }
layer { name: "loss" type: "EuclideanLoss" bottom: "maxout" bottom: "target" top: "loss" }
)";

std::unique_ptr<Net> MakeMaxoutNet() {
  NetParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kMaxoutNet, &p));
  Context::set_random_seed(1701);
  auto net = std::make_unique<Net>(p);
  Context::set_random_seed(7);
  for (Blob* b : net->input_blobs()) test::FillGaussian(b);
  return net;
}

void CheckMaxoutNet() {
  auto net = MakeMaxoutNet();
  net->Forward();
  const Blob &a = *net->blob_by_name("piece1"), &b = *net->blob_by_name("piece2"),
             &m = *net->blob_by_name("maxout");
  float closest = 1e9f;
  for (int i = 0; i < m.count(); ++i) {
    EXPECT_EQ(m.cpu_data()[i], std::max(a.cpu_data()[i], b.cpu_data()[i])) << i;
    closest = std::min(closest, std::fabs(a.cpu_data()[i] - b.cpu_data()[i]));
  }
  // Central differences of step h move a piece by at most h * max|x| (about
  // 0.03): pieces further apart than that never swap inside a difference.
  ASSERT_GT(closest, 0.1f) << "the seeds put a unit near its kink; choose others";

  // Analytic gradients: the input's and each parameter's diff.
  net->ClearParamDiffs();
  net->ForwardBackward();
  Blob* x = net->blob_by_name("x").get();
  std::vector<Blob*> checked = {x};
  for (Blob* p : net->learnable_params()) checked.push_back(p);
  ASSERT_EQ(checked.size(), 5u);  // x, two weights, two biases
  std::vector<std::vector<float>> analytic;
  for (Blob* blob : checked) analytic.emplace_back(blob->cpu_diff(), blob->cpu_diff() + blob->count());

  const float h = 1e-2f;
  for (size_t k = 0; k < checked.size(); ++k) {
    Blob* blob = checked[k];
    for (int i = 0; i < blob->count(); ++i) {
      const float original = blob->cpu_data()[i];
      blob->mutable_cpu_data()[i] = original + h;
      const float plus = net->Forward();
      blob->mutable_cpu_data()[i] = original - h;
      const float minus = net->Forward();
      blob->mutable_cpu_data()[i] = original;
      const float numeric = (plus - minus) / (2 * h);
      EXPECT_NEAR(analytic[k][i], numeric, 1e-2f * std::max(1.f, std::fabs(numeric)))
          << "blob " << k << " element " << i;
    }
  }
}

TEST(MaxoutNet, ForwardIsTheMaxOfThePiecesAndGradientsMatch) { CheckMaxoutNet(); }

TEST(MaxoutNetGpu, ForwardIsTheMaxOfThePiecesAndGradientsMatch) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  CheckMaxoutNet();
}

}  // namespace
}  // namespace cnn
