// The caching allocator, synced memory on the device, and the out-of-memory
// message (skipped without a GPU).
#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include <string>

#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/net/net.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"
#ifdef CNN_WITH_CUDA
#include <cuda_runtime.h>

#include "cnn/gpu/allocator.hpp"
#endif

namespace cnn {
namespace {

#ifdef CNN_WITH_CUDA

TEST(GpuAllocator, ReusesReleasedBlocksAndKeepsBooks) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  gpu::ResetPeakStats();
  const gpu::MemoryStats before = gpu::Stats();
  void* a = gpu::Allocate(3 << 20);
  const gpu::MemoryStats during = gpu::Stats();
  EXPECT_GE(during.in_use, before.in_use + (3u << 20));
  gpu::Release(a);
  EXPECT_EQ(gpu::Stats().in_use, before.in_use);
  // A request of about the same size gets the cached block back, with no
  // new device allocation.
  const size_t reserved = gpu::Stats().reserved;
  void* b = gpu::Allocate((3 << 20) - 1000);
  EXPECT_EQ(a, b);
  EXPECT_EQ(gpu::Stats().reserved, reserved);
  EXPECT_GE(gpu::Stats().peak_in_use, during.in_use);
  gpu::Release(b);
  gpu::EmptyCache();
  EXPECT_LT(gpu::Stats().reserved, reserved);
}

TEST(GpuAllocator, ImpossibleRequestIsAnOutOfMemoryErrorWithAHint) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  try {
    gpu::Allocate(size_t(1) << 50);  // a petabyte
    FAIL() << "expected OutOfMemory";
  } catch (const OutOfMemory& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("out of GPU memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("MiB free"), std::string::npos) << msg;
    EXPECT_NE(msg.find("batch_size"), std::string::npos) << msg;
  }
  // The device is still usable afterwards.
  void* p = gpu::Allocate(1024);
  gpu::Release(p);
}

TEST(GpuAllocator, OutOfMemoryNamesTheLayerAndTheBlob) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  gpu::EmptyCache();
  // Take all but 64 MiB of the device behind the allocator's back, then ask
  // a layer for 256 MiB.
  size_t free_b = 0, total_b = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_b, &total_b), cudaSuccess);
  void* hog = nullptr;
  ASSERT_EQ(cudaMalloc(&hog, free_b - (64u << 20)), cudaSuccess);
  Blob x({64 << 20}), y;  // 256 MiB of floats
  x.set_name("data");
  y.set_name("relu_out");
  auto layer = LayerRegistry::Create(test::ParseLayer(R"(name: "relu1" type: "ReLU" relu_param { engine: CAFFE })"));
  layer->SetUp({&x}, {&y});
  std::string msg;
  try {
    layer->Forward({&x}, {&y});
  } catch (const OutOfMemory& e) {
    msg = e.what();
  }
  cudaFree(hog);
  EXPECT_NE(msg.find("layer 'relu1' (ReLU)"), std::string::npos) << msg;
  EXPECT_TRUE(msg.find("blob 'data' data") != std::string::npos ||
              msg.find("blob 'relu_out' data") != std::string::npos)
      << msg;
  EXPECT_NE(msg.find("out of GPU memory: asked for 256.0 MiB"), std::string::npos) << msg;
}

// After the first iteration every buffer a step needs is allocated or cached:
// later steps must not call cudaMalloc (it synchronises the whole device).
TEST(GpuAllocator, TrainingStepsAfterTheFirstAllocateNothing) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  NetParameter param;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
    layer { name: "data" type: "DummyData" top: "data" top: "label"
            dummy_data_param { shape { dim: 16 dim: 3 dim: 13 dim: 13 } shape { dim: 16 }
                               data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
    layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
            convolution_param { num_output: 8 kernel_size: 3 weight_filler { type: "xavier" } } }
    layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
    layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
    layer { name: "drop" type: "Dropout" bottom: "pool" top: "pool" }
    layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
            inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
  )", &param));
  param.mutable_state()->set_phase(TRAIN);
  Net net(param);
  net.ClearParamDiffs();
  net.ForwardBackward();
  const size_t after_first = gpu::Stats().device_allocations;
  for (int i = 0; i < 3; ++i) {
    net.ClearParamDiffs();
    net.ForwardBackward();
  }
  EXPECT_EQ(gpu::Stats().device_allocations, after_first);
}

TEST(GpuSyncedMemory, AsyncPushLeavesBothSidesEqual) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob b({1000});
  for (int i = 0; i < 1000; ++i) b.mutable_cpu_data()[i] = static_cast<float>(i);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  b.data()->async_gpu_push(stream);
  EXPECT_EQ(b.data()->head(), SyncedMemory::Head::SYNCED);
  Blob c({1000});
  c.CopyFrom(b);  // a device-side copy, since b is fresh on the device
  EXPECT_EQ(c.data()->head(), SyncedMemory::Head::AT_GPU);
  EXPECT_EQ(test::DataOf(c), test::DataOf(b));
  cudaStreamDestroy(stream);
}

TEST(GpuBlob, UpdateAndNormsRunOnTheDevice) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  Blob b({3});
  test::FillValues(&b, {1, -2, 3});
  float* d = b.mutable_cpu_diff();
  d[0] = 0.5f, d[1] = 1, d[2] = -1;
  b.mutable_gpu_data();  // make the device copy the fresh one
  b.mutable_gpu_diff();
  EXPECT_FLOAT_EQ(b.asum_data(), 6.f);
  EXPECT_FLOAT_EQ(b.sumsq_diff(), 2.25f);
  b.Update();
  EXPECT_EQ(b.data()->head(), SyncedMemory::Head::AT_GPU);
  EXPECT_EQ(test::DataOf(b), (std::vector<float>{0.5f, -3, 4}));
  b.scale_diff(2.f);
  EXPECT_EQ(b.diff()->head(), SyncedMemory::Head::AT_GPU);
  EXPECT_FLOAT_EQ(b.cpu_diff()[2], -2.f);
}

#else

TEST(GpuAllocator, NotBuilt) { GTEST_SKIP() << "CPU-only build"; }

#endif

}  // namespace
}  // namespace cnn
