// MAX pooling on a kept nChw16c or nhwc input (blocked_max_pool.hpp)
// against our plain layer on the same values: the same maxima and the same gradient,
// bit for bit, with tied maxima (after a ReLU), NaN and -inf in windows,
// overlapping and border-clipped (ceil-mode) windows, padding and global
// pooling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"
#include "dnnl_layer_check.hpp"

namespace cnn {
namespace {

using dnnl_check::Engine;

// The padding lanes (channels past `channels` in the last block) of a
// blocked N x C x S buffer: poisoned with NaN, or checked to be 0.
template <typename F>
void ForPadding(float* v, int num, int channels, int64_t spatial, F f) {
  const int blocks = (channels + 15) / 16;
  for (int n = 0; n < num; ++n)
    for (int64_t s = 0; s < spatial; ++s)
      for (int l = channels - (blocks - 1) * 16; l < 16; ++l) f(v[((static_cast<int64_t>(n) * blocks + blocks - 1) * spatial + s) * 16 + l]);
}

bool SameFloat(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

// Values with many ties (a ReLU's zeros, a few levels), and NaN and -inf
// planted where windows meet them.
void FillTricky(Blob* b) {
  float* x = b->mutable_cpu_data();
  for (int i = 0; i < b->count(); ++i) {
    const int level = (i * 7919) % 11;
    x[i] = level < 5 ? 0.f : static_cast<float>(level % 3);
  }
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[b->count() / 2] = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < 9; ++i) x[5 * 99 + i] = -std::numeric_limits<float>::infinity();  // a whole row of a plane
}

void ExpectBlockedMatchesPlain(const std::string& params, int channels = 32, bool channels_last = false) {
  SCOPED_TRACE(params + ", " + std::to_string(channels) + " channels" + (channels_last ? ", nhwc" : ""));
  const std::vector<int> shape{2, channels, 9, 11};
  const LayerParameter p = dnnl_check::LayerOf("Pooling", "pooling_param { " + params + " }");
  dnnl_check::Built plain = dnnl_check::Build(dnnl_check::WithEngine(p, Engine::CAFFE), {shape});
  dnnl_check::Built blocked = dnnl_check::Build(dnnl_check::WithEngine(p, Engine::DNNL), {shape});
  FillTricky(plain.bottom[0]);
  blocked.bottom[0]->CopyFrom(*plain.bottom[0]);
  // The input as a oneDNN convolution would leave it: kept in nChw16c or nhwc.
  const dnnl::memory::dims dims{2, channels, 9, 11};
  auto layout = std::make_shared<DnnlLayout>(
      dnnl_util::Plain(dims),
      channels_last ? dnnl_util::ChannelsLast(dims)
                    : dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nChw16c));
  // Padding lanes hold garbage (NaN): the pool must neither read nor keep it.
  auto to_blocked = [&] {
    float* prv = static_cast<float*>(blocked.bottom[0]->data()->mutable_prv_data(layout));
    layout->FromPlain(plain.bottom[0]->cpu_data(), prv);
    if (!channels_last) ForPadding(prv, 2, channels, 99, [](float& v) { v = std::numeric_limits<float>::quiet_NaN(); });
  };
  to_blocked();
  for (int pass = 0; pass < 2; ++pass) {
    plain.layer->Forward(plain.bottom, plain.top);
    blocked.layer->Forward(blocked.bottom, blocked.top);
    ASSERT_EQ(blocked.top[0]->data()->head(), SyncedMemory::Head::AT_PRV) << "the blocked pass did not run";
    auto out_layout = std::dynamic_pointer_cast<const DnnlLayout>(blocked.top[0]->data()->shared_prv_layout());
    ASSERT_TRUE(out_layout);
    EXPECT_EQ(dnnl_util::IsChannelsLast(out_layout->desc()), channels_last) << "the output leaves the input's layout";
    const int64_t out_spatial = blocked.top[0]->count(2);
    if (!channels_last) {
      ForPadding(static_cast<float*>(blocked.top[0]->data()->mutable_prv_data(out_layout)), 2, channels, out_spatial,
                 [](float& v) { ASSERT_EQ(v, 0.f); });
    }
    ASSERT_EQ(plain.top[0]->shape(), blocked.top[0]->shape());
    const float* a = plain.top[0]->cpu_data();
    const float* b = blocked.top[0]->cpu_data();
    for (int i = 0; i < plain.top[0]->count(); ++i) ASSERT_TRUE(SameFloat(a[i], b[i])) << "top " << i << ": " << a[i] << " vs " << b[i];
    test::FillGaussian(plain.top[0]);
    std::memcpy(plain.top[0]->mutable_cpu_diff(), plain.top[0]->cpu_data(), sizeof(float) * plain.top[0]->count());
    std::memcpy(blocked.top[0]->mutable_cpu_diff(), plain.top[0]->cpu_diff(), sizeof(float) * plain.top[0]->count());
    plain.layer->Backward(plain.top, {true}, plain.bottom);
    blocked.layer->Backward(blocked.top, {true}, blocked.bottom);
    const float* da = plain.bottom[0]->cpu_diff();
    const float* db = blocked.bottom[0]->cpu_diff();
    for (int i = 0; i < plain.bottom[0]->count(); ++i) ASSERT_TRUE(SameFloat(da[i], db[i])) << "bottom diff " << i;
    // The next pass starts from a blocked input again.
    to_blocked();
  }
}

TEST(BlockedMaxPool, MatchesOurPlainLayer) {
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 2 stride: 2");
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 3 stride: 2");
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 3 stride: 1 pad: 1");
  ExpectBlockedMatchesPlain("pool: MAX kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 0 pad_w: 1");
  ExpectBlockedMatchesPlain("pool: MAX global_pooling: true");
  // LeNet's 20 and 50: the last block half padding.
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 2 stride: 2", 20);
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 3 stride: 2", 50);
}

// Where a convolution chose nhwc (channel counts far from blocks of 16).
TEST(BlockedMaxPool, MatchesOurPlainLayerChannelsLast) {
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 2 stride: 2", 20, true);
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 3 stride: 2", 50, true);
  ExpectBlockedMatchesPlain("pool: MAX kernel_size: 3 stride: 1 pad: 1", 7, true);
  ExpectBlockedMatchesPlain("pool: MAX global_pooling: true", 33, true);
}

// A gradient that arrives in another kept layout than the output's (the
// next convolution's nhwc after an nChw16c pool) is read through one reorder.
TEST(BlockedMaxPool, ReadsAGradientInAnotherKeptLayout) {
  const std::vector<int> shape{2, 20, 8, 8};
  const LayerParameter p = dnnl_check::LayerOf("Pooling", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }");
  dnnl_check::Built plain = dnnl_check::Build(dnnl_check::WithEngine(p, Engine::CAFFE), {shape});
  dnnl_check::Built blocked = dnnl_check::Build(dnnl_check::WithEngine(p, Engine::DNNL), {shape});
  test::FillGaussian(plain.bottom[0]);
  const dnnl::memory::dims dims{2, 20, 8, 8}, out_dims{2, 20, 4, 4};
  auto in_layout = std::make_shared<DnnlLayout>(
      dnnl_util::Plain(dims), dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nChw16c));
  in_layout->FromPlain(plain.bottom[0]->cpu_data(), blocked.bottom[0]->data()->mutable_prv_data(in_layout));
  plain.layer->Forward(plain.bottom, plain.top);
  blocked.layer->Forward(blocked.bottom, blocked.top);
  float* dy = plain.top[0]->mutable_cpu_diff();
  for (int i = 0; i < plain.top[0]->count(); ++i) dy[i] = 0.25f * static_cast<float>((i * 37) % 17) - 2.f;
  auto nhwc = std::make_shared<DnnlLayout>(dnnl_util::Plain(out_dims), dnnl_util::ChannelsLast(out_dims));
  nhwc->FromPlain(plain.top[0]->cpu_diff(), blocked.top[0]->diff()->mutable_prv_data(nhwc));
  const int64_t before = dnnl_util::ReorderCount();
  plain.layer->Backward(plain.top, {true}, plain.bottom);
  blocked.layer->Backward(blocked.top, {true}, blocked.bottom);
  EXPECT_EQ(dnnl_util::ReorderCount() - before, 1) << "nhwc to nChw16c in one reorder, not through the plain array";
  const float* da = plain.bottom[0]->cpu_diff();
  const float* db = blocked.bottom[0]->cpu_diff();
  for (int i = 0; i < plain.bottom[0]->count(); ++i) ASSERT_TRUE(SameFloat(da[i], db[i])) << "bottom diff " << i;
}

}  // namespace
}  // namespace cnn
