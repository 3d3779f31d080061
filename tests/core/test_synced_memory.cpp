#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/cpu_memory_limit.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {
namespace {

using Head = SyncedMemory::Head;

TEST(SyncedMemory, StartsUninitialized) {
  SyncedMemory mem(40);
  EXPECT_EQ(mem.head(), Head::UNINITIALIZED);
  EXPECT_EQ(mem.size(), 40u);
}

TEST(SyncedMemory, CpuAccessAllocatesZeroedHostMemory) {
  SyncedMemory mem(16 * sizeof(float));
  const float* p = static_cast<const float*>(mem.cpu_data());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(mem.head(), Head::AT_CPU);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(p[i], 0.f);
}

TEST(SyncedMemory, MutableCpuDataKeepsPointerAndValues) {
  SyncedMemory mem(8 * sizeof(float));
  float* p = static_cast<float*>(mem.mutable_cpu_data());
  EXPECT_EQ(mem.head(), Head::AT_CPU);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<float>(i) * 1.5f;
  const float* q = static_cast<const float*>(mem.cpu_data());
  EXPECT_EQ(q, p);
  EXPECT_EQ(q[7], 10.5f);
  EXPECT_EQ(mem.head(), Head::AT_CPU);
}

TEST(SyncedMemory, ZeroSizeStillGivesAPointer) {
  SyncedMemory mem(0);
  EXPECT_NE(mem.cpu_data(), nullptr);
  EXPECT_EQ(mem.head(), Head::AT_CPU);
}

TEST(SyncedMemory, HostMemoryIsAligned) {
  SyncedMemory mem(3 * sizeof(float));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(mem.cpu_data()) % 64, 0u);
}

#ifndef CNN_WITH_CUDA
// The fuzzers' cap on host memory: counted over every live buffer, freed
// buffers give their share back, and a refusal is the usual OutOfMemory.
TEST(SyncedMemory, CpuMemoryLimitCountsLiveBuffers) {
  const size_t before = CpuMemoryInUse();
  SetCpuMemoryLimit(before + 1000);
  {
    SyncedMemory first(600);
    first.cpu_data();
    EXPECT_EQ(CpuMemoryInUse(), before + 600);
    SyncedMemory second(600);
    try {
      second.cpu_data();
      ADD_FAILURE() << "1200 bytes passed a limit of 1000";
    } catch (const OutOfMemory& e) {
      EXPECT_NE(std::string(e.what()).find("asked for 0.0 MiB (600 bytes), past the limit of"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(CpuMemoryInUse(), before + 600);
  }
  EXPECT_EQ(CpuMemoryInUse(), before);
  SyncedMemory again(900);
  EXPECT_NE(again.cpu_data(), nullptr);
  SetCpuMemoryLimit(0);
  SyncedMemory unlimited(4000);
  EXPECT_NE(unlimited.cpu_data(), nullptr);
}

TEST(SyncedMemory, GpuAccessThrowsWithoutCuda) {
  SyncedMemory mem(16);
  EXPECT_THROW(mem.gpu_data(), Error);
  EXPECT_THROW(mem.mutable_gpu_data(), Error);
  try {
    mem.gpu_data();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without CUDA"), std::string::npos) << e.what();
  }
}
#else
TEST(SyncedMemory, GpuRoundTripTracksHead) {
  if (Context::gpu_count() == 0) GTEST_SKIP() << "no CUDA device";
  SyncedMemory mem(4 * sizeof(float));
  float* p = static_cast<float*>(mem.mutable_cpu_data());
  for (int i = 0; i < 4; ++i) p[i] = static_cast<float>(i + 1);
  ASSERT_NE(mem.gpu_data(), nullptr);
  EXPECT_EQ(mem.head(), Head::SYNCED);
  mem.mutable_gpu_data();
  EXPECT_EQ(mem.head(), Head::AT_GPU);
  const float* back = static_cast<const float*>(mem.cpu_data());
  EXPECT_EQ(mem.head(), Head::SYNCED);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(back[i], static_cast<float>(i + 1));
}

TEST(SyncedMemory, GpuFirstAccessIsZeroed) {
  if (Context::gpu_count() == 0) GTEST_SKIP() << "no CUDA device";
  SyncedMemory mem(6 * sizeof(float));
  mem.gpu_data();
  EXPECT_EQ(mem.head(), Head::AT_GPU);
  const float* p = static_cast<const float*>(mem.cpu_data());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p[i], 0.f);
}
#endif

}  // namespace
}  // namespace cnn
