// models/lstm_fmnist: its row-by-row input wiring gives the LSTM the image
// rows in time-major order with cont 0 only at t = 0, and the net learns a
// few Adam steps on generated images.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

constexpr int kBatch = 3;

// The Data layers become DummyData: images of `filler`, labels constant 2.
NetParameter ModelWithDummyData(const std::string& image_filler) {
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lstm_fmnist/train_val.prototxt"));
  for (LayerParameter& lp : *net.mutable_layer()) {
    if (lp.type() != "Data") continue;
    lp.set_type("DummyData");
    lp.clear_data_param();
    lp.clear_transform_param();
    DummyDataParameter* d = lp.mutable_dummy_data_param();
    BlobShape* image = d->add_shape();
    for (int dim : {kBatch, 1, 28, 28}) image->add_dim(dim);
    d->add_shape()->add_dim(kBatch);
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(image_filler, d->add_data_filler()));
    FillerParameter* label = d->add_data_filler();
    label->set_type("constant");
    label->set_value(2);
  }
  return net;
}

TEST(LstmFmnistModel, FeedsRowsTimeMajorWithSequenceStarts) {
  NetParameter p = ModelWithDummyData("type: 'uniform' min: 0 max: 1");
  p.mutable_state()->set_phase(TEST);
  Context::set_random_seed(1);
  Net net(p);
  net.Forward();
  const Blob& data = *net.blob_by_name("data");
  const Blob& x = *net.blob_by_name("x_seq");
  const Blob& cont = *net.blob_by_name("cont");
  ASSERT_EQ(x.shape(), (std::vector<int>{28, kBatch, 28}));
  ASSERT_EQ(cont.shape(), (std::vector<int>{28, kBatch}));
  for (int t = 0; t < 28; ++t) {
    for (int n = 0; n < kBatch; ++n) {
      EXPECT_EQ(cont.cpu_data()[t * kBatch + n], t == 0 ? 0.f : 1.f) << t << " " << n;
      for (int w = 0; w < 28; ++w) {
        ASSERT_EQ(x.cpu_data()[(t * kBatch + n) * 28 + w], data.cpu_data()[(n * 28 + t) * 28 + w])
            << "t " << t << " n " << n << " w " << w;
      }
    }
  }
  EXPECT_EQ(net.blob_by_name("fc")->shape(), (std::vector<int>{kBatch, 10}));
  // Caffe's blob shapes for the LSTM: W_xc, b_c, W_hc.
  const auto& blobs = net.layer_by_name("lstm1")->blobs();
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_EQ(blobs[0]->shape(), (std::vector<int>{512, 28}));
  EXPECT_EQ(blobs[1]->shape(), (std::vector<int>{512}));
  EXPECT_EQ(blobs[2]->shape(), (std::vector<int>{512, 128}));
}

TEST(LstmFmnistModel, LearnsAFewIterations) {
  SolverParameter solver =
      ReadSolverParamsFromTextFile(test::SourcePath("models/lstm_fmnist/solver.prototxt"));
  // Fixed images (constant), fixed label: the loss must fall fast.
  *solver.mutable_net_param() = ModelWithDummyData("type: 'constant' value: 0.5");
  solver.clear_net();
  solver.set_max_iter(12);
  solver.set_test_interval(0);
  solver.clear_test_iter();
  solver.set_snapshot(0);
  solver.set_snapshot_after_train(false);
  solver.set_display(0);
  solver.set_base_lr(0.01f);
  solver.set_random_seed(1701);
  auto s = SolverRegistry::Create(solver, "lstm_fmnist/solver.prototxt");
  const float first = s->net().ForwardBackward();
  s->Solve();
  const float last = s->net().ForwardBackward();
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_LT(last, 0.5f * first) << "first " << first << ", after 12 steps " << last;
}

}  // namespace
}  // namespace cnn
