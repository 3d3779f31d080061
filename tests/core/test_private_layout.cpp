// SyncedMemory's private side, with a test layout that stores the values
// reversed after a padding of one float: any mix-up of plain and private
// buffers shows in the values.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "cnn/core/blob.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {
namespace {

using Head = SyncedMemory::Head;

class Reversed : public PrivateLayout {
 public:
  Reversed(int n, int tag) : n_(n), tag_(tag) {}
  size_t bytes() const override { return (n_ + 1) * sizeof(float); }
  size_t plain_bytes() const override { return n_ * sizeof(float); }
  void ToPlain(const void* prv, void* plain) const override {
    ++to_plain;
    const float* p = static_cast<const float*>(prv) + 1;
    for (int i = 0; i < n_; ++i) static_cast<float*>(plain)[i] = p[n_ - 1 - i];
  }
  void FromPlain(const void* plain, void* prv) const override {
    ++from_plain;
    float* p = static_cast<float*>(prv) + 1;
    for (int i = 0; i < n_; ++i) p[n_ - 1 - i] = static_cast<const float*>(plain)[i];
  }
  bool Same(const PrivateLayout& other) const override {
    auto* o = dynamic_cast<const Reversed*>(&other);
    return o && o->n_ == n_ && o->tag_ == tag_;
  }
  mutable int to_plain = 0, from_plain = 0;

 private:
  int n_, tag_;
};

void WritePrivate(float* prv, int n) {
  for (int i = 0; i < n; ++i) prv[1 + n - 1 - i] = 10.f + i;  // plain value i is 10 + i
}

TEST(PrivateLayout, WrittenPrivateReadsPlainOnce) {
  SyncedMemory mem(4 * sizeof(float));
  auto layout = std::make_shared<Reversed>(4, 0);
  WritePrivate(static_cast<float*>(mem.mutable_prv_data(layout)), 4);
  EXPECT_EQ(mem.head(), Head::AT_PRV);
  EXPECT_EQ(mem.prv_layout(), layout.get());
  const float* p = static_cast<const float*>(mem.cpu_data());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(p[i], 10.f + i);
  EXPECT_EQ(mem.head(), Head::AT_CPU);
  mem.cpu_data();
  EXPECT_EQ(layout->to_plain, 1);
  // Read only: the private copy is still current, in its layout only.
  EXPECT_NE(mem.prv_data(Reversed(4, 0)), nullptr);
  EXPECT_EQ(mem.prv_data(Reversed(4, 1)), nullptr);
}

TEST(PrivateLayout, PlainWriteMakesPrivateStale) {
  SyncedMemory mem(4 * sizeof(float));
  auto layout = std::make_shared<Reversed>(4, 0);
  WritePrivate(static_cast<float*>(mem.mutable_prv_data(layout)), 4);
  float* p = static_cast<float*>(mem.mutable_cpu_data());
  EXPECT_EQ(p[3], 13.f);  // converted before the write
  p[0] = -1.f;
  EXPECT_EQ(mem.prv_data(*layout), nullptr);
  EXPECT_EQ(mem.prv_layout(), nullptr);
  const float* prv = static_cast<const float*>(mem.prv_data_in(layout));
  EXPECT_EQ(prv[1 + 3], -1.f);
  EXPECT_EQ(layout->from_plain, 1);
  EXPECT_EQ(mem.head(), Head::AT_CPU);  // both sides current
  mem.prv_data_in(layout);      // nothing to convert
  EXPECT_EQ(layout->from_plain, 1);
}

TEST(PrivateLayout, OtherLayoutGoesThroughPlain) {
  SyncedMemory mem(4 * sizeof(float));
  auto a = std::make_shared<Reversed>(4, 0);
  auto b = std::make_shared<Reversed>(4, 1);
  WritePrivate(static_cast<float*>(mem.mutable_prv_data(a)), 4);
  const float* prv = static_cast<const float*>(mem.prv_data_in(b));
  EXPECT_EQ(a->to_plain, 1);
  EXPECT_EQ(b->from_plain, 1);
  EXPECT_EQ(prv[1], 13.f);
  EXPECT_EQ(mem.prv_layout(), b.get());
}

// A layout that converts straight from Reversed ones (as oneDNN's layouts
// do between themselves): same storage, counted conversions.
class Converting : public Reversed {
 public:
  Converting(int n, int tag) : Reversed(n, tag) {}
  bool ConvertsFrom(const PrivateLayout& from) const override { return dynamic_cast<const Reversed*>(&from); }
  void ConvertFrom(const PrivateLayout& /*from*/, const void* src, void* dst) const override {
    ++converted;
    std::memcpy(dst, src, bytes());
  }
  mutable int converted = 0;
};

TEST(PrivateLayout, ConvertibleLayoutConvertsStraight) {
  SyncedMemory mem(4 * sizeof(float));
  auto a = std::make_shared<Reversed>(4, 0);
  auto c = std::make_shared<Converting>(4, 1);
  float* first = static_cast<float*>(mem.mutable_prv_data(a));
  WritePrivate(first, 4);
  const float* prv = static_cast<const float*>(mem.prv_data_in(c));
  EXPECT_EQ(c->converted, 1);
  EXPECT_EQ(a->to_plain, 0) << "went through the plain values";
  EXPECT_EQ(c->from_plain, 0);
  EXPECT_NE(prv, first) << "converted in place";
  EXPECT_EQ(mem.prv_layout(), c.get());
  EXPECT_EQ(mem.head(), Head::AT_PRV);
  const float* plain = static_cast<const float*>(mem.cpu_data());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(plain[i], 10.f + i);
  // Plain values current: the plain route, which keeps both current.
  auto d = std::make_shared<Converting>(4, 2);
  mem.prv_data_in(d);
  EXPECT_EQ(d->converted, 0);
  EXPECT_EQ(d->from_plain, 1);
}

TEST(PrivateLayout, InPlaceKeepsTheBuffer) {
  SyncedMemory mem(4 * sizeof(float));
  auto layout = std::make_shared<Reversed>(4, 0);
  void* first = mem.mutable_prv_data(layout);
  WritePrivate(static_cast<float*>(first), 4);
  EXPECT_EQ(mem.mutable_prv_data(std::make_shared<Reversed>(4, 0)), first);
  EXPECT_EQ(static_cast<const float*>(mem.cpu_data())[0], 10.f);
}

TEST(PrivateLayout, DropConvertsAndFrees) {
  SyncedMemory mem(4 * sizeof(float));
  auto layout = std::make_shared<Reversed>(4, 0);
  WritePrivate(static_cast<float*>(mem.mutable_prv_data(layout)), 4);
  mem.drop_prv();
  EXPECT_EQ(mem.head(), Head::AT_CPU);
  EXPECT_EQ(mem.prv_layout(), nullptr);
  EXPECT_EQ(static_cast<const float*>(mem.cpu_data())[2], 12.f);
}

TEST(PrivateLayout, TooLargeForTheMemoryIsAnError) {
  SyncedMemory mem(2 * sizeof(float));
  EXPECT_THROW(mem.mutable_prv_data(std::make_shared<Reversed>(4, 0)), std::exception);
}

TEST(PrivateLayout, BlobReshapeToAnotherShapeGoesPlain) {
  Blob blob({2, 2});
  auto layout = std::make_shared<Reversed>(4, 0);
  WritePrivate(static_cast<float*>(blob.data()->mutable_prv_data(layout)), 4);
  blob.Reshape({2, 2});
  EXPECT_EQ(blob.data()->head(), Head::AT_PRV);  // the same shape keeps it
  blob.Reshape({4});
  EXPECT_EQ(blob.data()->prv_layout(), nullptr);
  EXPECT_EQ(blob.cpu_data()[1], 11.f);
  // Blobs sharing the memory all see the plain values.
  Blob other({4});
  WritePrivate(static_cast<float*>(blob.data()->mutable_prv_data(layout)), 4);
  other.ShareData(blob);
  EXPECT_EQ(other.cpu_data()[3], 13.f);
  EXPECT_FLOAT_EQ(blob.asum_data(), 46.f);
}

}  // namespace
}  // namespace cnn
