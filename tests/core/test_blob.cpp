#include <gtest/gtest.h>

#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::FillValues;

std::vector<float> Iota(int n, float start = 0.f) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(Blob, EmptyByDefault) {
  Blob b;
  EXPECT_EQ(b.num_axes(), 0);
  EXPECT_EQ(b.count(), 0);
}

TEST(Blob, ReshapeShrinkKeepsMemoryAndData) {
  Blob b({2, 3, 4});
  FillValues(&b, Iota(24));
  const float* before = b.cpu_data();

  b.Reshape({2, 3});
  EXPECT_EQ(b.count(), 6);
  EXPECT_EQ(b.cpu_data(), before);
  EXPECT_EQ(DataOf(b), Iota(6));

  // Growing back within the capacity must not reallocate either.
  b.Reshape({4, 6});
  EXPECT_EQ(b.count(), 24);
  EXPECT_EQ(b.cpu_data(), before);
  EXPECT_EQ(DataOf(b), Iota(24));
}

TEST(Blob, ReshapeBeyondCapacityGivesZeroedMemory) {
  Blob b({2, 2});
  FillValues(&b, {1, 2, 3, 4});
  b.Reshape({3, 3});
  EXPECT_EQ(b.count(), 9);
  for (float v : DataOf(b)) EXPECT_EQ(v, 0.f);
}

TEST(Blob, ReshapeRejectsNegativeDimensionsAndTooManyAxes) {
  Blob b;
  EXPECT_THROW(b.Reshape({2, -1}), Error);
  EXPECT_THROW(b.Reshape(std::vector<int>(Blob::kMaxAxes + 1, 1)), Error);
  EXPECT_NO_THROW(b.Reshape(std::vector<int>(Blob::kMaxAxes, 1)));
}

TEST(Blob, CountsAndShape) {
  Blob b(2, 3, 4, 5);
  EXPECT_EQ(b.num_axes(), 4);
  EXPECT_EQ(b.count(), 120);
  EXPECT_EQ(b.count(1), 60);
  EXPECT_EQ(b.count(1, 3), 12);
  EXPECT_EQ(b.count(2, 2), 1);
  EXPECT_EQ(b.count(0, 4), 120);
  EXPECT_THROW(b.count(3, 2), Error);
  EXPECT_THROW(b.count(0, 5), Error);
  EXPECT_EQ(b.shape(0), 2);
  EXPECT_EQ(b.shape(-1), 5);
  EXPECT_EQ(b.shape(-4), 2);
  EXPECT_EQ(b.shape(), (std::vector<int>{2, 3, 4, 5}));
}

TEST(Blob, CanonicalAxisIndex) {
  Blob b({2, 3, 4});
  EXPECT_EQ(b.CanonicalAxisIndex(0), 0);
  EXPECT_EQ(b.CanonicalAxisIndex(2), 2);
  EXPECT_EQ(b.CanonicalAxisIndex(-1), 2);
  EXPECT_EQ(b.CanonicalAxisIndex(-3), 0);
  EXPECT_THROW(b.CanonicalAxisIndex(3), Error);
  EXPECT_THROW(b.CanonicalAxisIndex(-4), Error);
  try {
    b.CanonicalAxisIndex(7);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("axis 7"), std::string::npos) << e.what();
  }
}

TEST(Blob, Offsets) {
  Blob b(2, 3, 4, 5);
  EXPECT_EQ(b.offset(0), 0);
  EXPECT_EQ(b.offset(1), 60);
  EXPECT_EQ(b.offset(1, 2, 3, 4), 119);
  EXPECT_EQ(b.offset(0, 1, 2, 3), 20 + 10 + 3);
  EXPECT_EQ(b.offset(std::vector<int>{1, 2}), 100);
  EXPECT_EQ(b.offset(std::vector<int>{1, 2, 3, 4}), 119);
  FillValues(&b, Iota(120));
  EXPECT_EQ(b.data_at(1, 2, 3, 4), 119.f);
  EXPECT_EQ(b.data_at(0, 1, 0, 2), 22.f);
}

TEST(Blob, LegacyAccessors) {
  Blob b(2, 3, 4, 5);
  EXPECT_EQ(b.num(), 2);
  EXPECT_EQ(b.channels(), 3);
  EXPECT_EQ(b.height(), 4);
  EXPECT_EQ(b.width(), 5);

  // Missing trailing axes read as 1.
  Blob m({7, 3});
  EXPECT_EQ(m.num(), 7);
  EXPECT_EQ(m.channels(), 3);
  EXPECT_EQ(m.height(), 1);
  EXPECT_EQ(m.width(), 1);

  Blob five({1, 2, 3, 4, 5});
  EXPECT_THROW(five.num(), Error);
}

TEST(Blob, ProtoRoundTripWithDiff) {
  Blob b({2, 3, 2});
  FillValues(&b, Iota(12, 0.5f));
  float* diff = b.mutable_cpu_diff();
  for (int i = 0; i < 12; ++i) diff[i] = -static_cast<float>(i);

  BlobProto proto;
  b.ToProto(&proto, /*write_diff=*/true);
  ASSERT_EQ(proto.shape().dim_size(), 3);
  EXPECT_EQ(proto.data_size(), 12);
  EXPECT_EQ(proto.diff_size(), 12);

  Blob c;
  c.FromProto(proto);
  EXPECT_EQ(c.shape(), b.shape());
  EXPECT_EQ(DataOf(c), DataOf(b));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(c.cpu_diff()[i], -static_cast<float>(i));

  BlobProto no_diff;
  b.ToProto(&no_diff);
  EXPECT_EQ(no_diff.diff_size(), 0);
}

TEST(Blob, FromLegacyFourDProto) {
  BlobProto proto;
  proto.set_num(1);
  proto.set_channels(2);
  proto.set_height(1);
  proto.set_width(3);
  for (float v : Iota(6, 10.f)) proto.add_data(v);
  Blob b;
  b.FromProto(proto);
  EXPECT_EQ(b.shape(), (std::vector<int>{1, 2, 1, 3}));
  EXPECT_EQ(DataOf(b), Iota(6, 10.f));
  EXPECT_TRUE(b.ShapeEquals(proto));

  // A legacy proto also matches a blob with fewer axes padded by leading 1s.
  Blob two_d({2, 3});
  EXPECT_FALSE(two_d.ShapeEquals(proto));
  Blob flat({2, 1, 3});
  EXPECT_TRUE(flat.ShapeEquals(proto));
}

TEST(Blob, FromDoubleDataProto) {
  BlobProto proto;
  proto.mutable_shape()->add_dim(2);
  proto.mutable_shape()->add_dim(2);
  for (double v : {0.25, -1.5, 3.0, 1e-3}) proto.add_double_data(v);
  for (double v : {1.0, 2.0, 3.0, 4.0}) proto.add_double_diff(v);
  Blob b;
  b.FromProto(proto);
  EXPECT_EQ(DataOf(b), (std::vector<float>{0.25f, -1.5f, 3.f, 1e-3f}));
  EXPECT_EQ(std::vector<float>(b.cpu_diff(), b.cpu_diff() + 4), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Blob, FromProtoWithoutReshapeChecksShape) {
  Blob src({2, 3});
  FillValues(&src, Iota(6));
  BlobProto proto;
  src.ToProto(&proto);

  Blob same({2, 3});
  EXPECT_NO_THROW(same.FromProto(proto, /*reshape=*/false));
  EXPECT_EQ(DataOf(same), Iota(6));

  Blob other({3, 2});
  EXPECT_THROW(other.FromProto(proto, /*reshape=*/false), Error);
  EXPECT_EQ(other.shape(), (std::vector<int>{3, 2}));
}

TEST(Blob, FromProtoRejectsWrongValueCount) {
  BlobProto proto;
  proto.mutable_shape()->add_dim(3);
  proto.add_data(1.f);
  proto.add_data(2.f);
  Blob b;
  EXPECT_THROW(b.FromProto(proto), Error);
}

TEST(Blob, ShareDataAliasesMemory) {
  Blob a({2, 3});
  Blob b({6});
  FillValues(&a, Iota(6));
  b.ShareData(a);
  EXPECT_EQ(b.cpu_data(), a.cpu_data());
  EXPECT_EQ(DataOf(b), Iota(6));
  b.mutable_cpu_data()[4] = 42.f;
  EXPECT_EQ(a.cpu_data()[4], 42.f);
  // Only the values are shared; the gradients stay separate.
  EXPECT_NE(b.cpu_diff(), a.cpu_diff());

  Blob wrong({5});
  EXPECT_THROW(wrong.ShareData(a), Error);
  EXPECT_THROW(wrong.ShareDiff(a), Error);
}

TEST(Blob, ShareDiffAliasesMemory) {
  Blob a({4});
  Blob b({2, 2});
  b.ShareDiff(a);
  a.mutable_cpu_diff()[3] = 7.f;
  EXPECT_EQ(b.cpu_diff()[3], 7.f);
  EXPECT_NE(b.cpu_data(), a.cpu_data());
}

TEST(Blob, CopyFrom) {
  Blob src({2, 2});
  FillValues(&src, {1, 2, 3, 4});
  float* d = src.mutable_cpu_diff();
  for (int i = 0; i < 4; ++i) d[i] = 10.f * (i + 1);

  Blob dst({4});
  EXPECT_THROW(dst.CopyFrom(src), Error);
  dst.CopyFrom(src, /*copy_diff=*/false, /*reshape=*/true);
  EXPECT_EQ(dst.shape(), src.shape());
  EXPECT_EQ(DataOf(dst), (std::vector<float>{1, 2, 3, 4}));
  dst.CopyFrom(src, /*copy_diff=*/true);
  EXPECT_EQ(std::vector<float>(dst.cpu_diff(), dst.cpu_diff() + 4), (std::vector<float>{10, 20, 30, 40}));
}

TEST(Blob, UpdateSubtractsDiff) {
  Blob b({3});
  FillValues(&b, {1.f, 2.f, 3.f});
  float* diff = b.mutable_cpu_diff();
  diff[0] = 0.5f;
  diff[1] = -1.f;
  diff[2] = 3.f;
  b.Update();
  EXPECT_EQ(DataOf(b), (std::vector<float>{0.5f, 3.f, 0.f}));
}

TEST(Blob, NormsAndScaling) {
  Blob b({4});
  FillValues(&b, {1.f, -2.f, 3.f, -4.f});
  float* diff = b.mutable_cpu_diff();
  diff[0] = 0.5f;
  diff[1] = 0.5f;
  diff[2] = -1.f;
  diff[3] = 0.f;
  EXPECT_FLOAT_EQ(b.asum_data(), 10.f);
  EXPECT_FLOAT_EQ(b.sumsq_data(), 30.f);
  EXPECT_FLOAT_EQ(b.asum_diff(), 2.f);
  EXPECT_FLOAT_EQ(b.sumsq_diff(), 1.5f);
  b.scale_data(-0.5f);
  EXPECT_EQ(DataOf(b), (std::vector<float>{-0.5f, 1.f, -1.5f, 2.f}));
  b.scale_diff(2.f);
  EXPECT_FLOAT_EQ(b.asum_diff(), 4.f);

  Blob empty;
  EXPECT_EQ(empty.asum_data(), 0.f);
  EXPECT_EQ(empty.sumsq_diff(), 0.f);
}

}  // namespace
}  // namespace cnn
