#include "cnn/parallel/nccl_communicator.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cnn/core/common.hpp"
#include "cnn/gpu/allocator.hpp"
#include "cnn/gpu/cuda_check.hpp"
#include "cnn/gpu/device_context.hpp"
#include "cnn/parallel/nccl_api.hpp"

namespace cnn {
namespace parallel {
namespace {

// As DataParallel's host buckets: per-call latency negligible, no second
// full copy of a big net's gradients.
constexpr size_t kBucketFloats = size_t{1} << 22;

// Every layer and solver kernel runs on the legacy default stream
// (gpu/device_context.hpp): queued there, a collective follows backward and
// precedes the update without the host waiting. Stream 0 is that stream in
// code built without per-thread default streams (ours), and the handle NCCL
// documents for it.
const cudaStream_t kStream = nullptr;

bool IsDevicePointer(const void* p) {
  cudaPointerAttributes attributes;
  if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
    cudaGetLastError();  // plain host memory on old runtimes
    return false;
  }
  return attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged;
}

}  // namespace

NcclCommunicator::NcclCommunicator(ncclComm* comm, int rank, int size, int device,
                                   std::unique_ptr<Communicator> bootstrap)
    : comm_(comm), rank_(rank), size_(size), device_(device), bootstrap_(std::move(bootstrap)) {}

NcclCommunicator::~NcclCommunicator() {
  // Destroying waits for the communicator's queued work; the buffers go back
  // to the allocator's cache only after it.
  if (comm_) NcclLib().CommDestroy(comm_);
  gpu::Release(bucket_);
  gpu::Release(scratch_);
}

void* NcclCommunicator::Scratch(size_t bytes) {
  if (bytes > scratch_bytes_) {
    CNN_CUDA_CHECK(cudaStreamSynchronize(kStream));  // the old buffer may still be read
    gpu::Release(scratch_);
    scratch_ = gpu::Allocate(bytes);
    scratch_bytes_ = bytes;
  }
  return scratch_;
}

template <typename Op>
void NcclCommunicator::OnDevice(void* data, size_t bytes, Op op) {
  if (bytes == 0) return;
  if (IsDevicePointer(data)) {
    op(data);
    return;
  }
  // A host buffer: the caller reads it on return, so this one waits.
  void* staged = Scratch(bytes);
  CNN_CUDA_CHECK(cudaMemcpyAsync(staged, data, bytes, cudaMemcpyHostToDevice, kStream));
  op(staged);
  CNN_CUDA_CHECK(cudaMemcpyAsync(data, staged, bytes, cudaMemcpyDeviceToHost, kStream));
  CNN_CUDA_CHECK(cudaStreamSynchronize(kStream));
}

void NcclCommunicator::AllReduceSum(float* data, size_t count) {
  OnDevice(data, count * sizeof(float), [&](void* p) {
    CNN_NCCL_CHECK(NcclLib().AllReduce(p, p, count, ncclFloat32, ncclSum, comm_, kStream));
  });
}

void NcclCommunicator::AllReduceSum(double* data, size_t count) {
  OnDevice(data, count * sizeof(double), [&](void* p) {
    CNN_NCCL_CHECK(NcclLib().AllReduce(p, p, count, ncclFloat64, ncclSum, comm_, kStream));
  });
}

void NcclCommunicator::StartAllReduceSum(float* data, size_t count) {
  if (count == 0) return;
  if (!IsDevicePointer(data)) {
    WaitAll();  // keep the order of the collectives the same on every rank
    AllReduceSum(data, count);
    return;
  }
  pending_.push_back({data, count});
}

void NcclCommunicator::WaitAll() {
  // Every rank started the same pieces in the same order, so the buckets
  // line up. Packing is a device-to-device copy on the stream; nothing here
  // waits for the GPU.
  const NcclApi& nccl = NcclLib();
  std::vector<Piece> in_bucket;
  size_t filled = 0;
  float* bucket = nullptr;
  auto flush = [&] {
    if (filled == 0) return;
    CNN_NCCL_CHECK(nccl.AllReduce(bucket, bucket, filled, ncclFloat32, ncclSum, comm_, kStream));
    size_t at = 0;
    for (const Piece& piece : in_bucket) {
      CNN_CUDA_CHECK(cudaMemcpyAsync(piece.data, bucket + at, piece.count * sizeof(float), cudaMemcpyDeviceToDevice,
                                     kStream));
      at += piece.count;
    }
    in_bucket.clear();
    filled = 0;
  };
  for (const Piece& piece : pending_) {
    if (piece.count >= kBucketFloats) {
      flush();
      CNN_NCCL_CHECK(nccl.AllReduce(piece.data, piece.data, piece.count, ncclFloat32, ncclSum, comm_, kStream));
      continue;
    }
    if (!bucket_) bucket_ = gpu::Allocate(kBucketFloats * sizeof(float));
    bucket = static_cast<float*>(bucket_);
    if (filled + piece.count > kBucketFloats) flush();
    CNN_CUDA_CHECK(cudaMemcpyAsync(bucket + filled, piece.data, piece.count * sizeof(float), cudaMemcpyDeviceToDevice,
                                   kStream));
    in_bucket.push_back(piece);
    filled += piece.count;
  }
  flush();
  pending_.clear();
}

void NcclCommunicator::Broadcast(void* data, size_t bytes, int root) {
  WaitAll();
  OnDevice(data, bytes, [&](void* p) {
    CNN_NCCL_CHECK(NcclLib().Broadcast(p, p, bytes, ncclUint8, root, comm_, kStream));
  });
}

void NcclCommunicator::Barrier() {
  // NCCL has no barrier: a one-value all-reduce that every rank waits for.
  float one = 1.f;
  WaitAll();
  AllReduceSum(&one, 1);
}

void NcclCommunicator::Abort(int code) {
  // The other replicas may sit in a collective kernel that will never
  // complete: aborting the communicator lets their device work end; the
  // process (or, under mpirun, every rank) ends here.
  std::fflush(stderr);
  if (comm_) NcclLib().CommAbort(comm_);
  comm_ = nullptr;
  if (bootstrap_) bootstrap_->Abort(code);
  std::_Exit(code);
}

std::vector<std::unique_ptr<Communicator>> MakeThreadCommunicators(const std::vector<int>& devices) {
  const NcclApi& nccl = NcclLib();
  std::vector<ncclComm_t> comms(devices.size(), nullptr);
  CNN_NCCL_CHECK(nccl.CommInitAll(comms.data(), static_cast<int>(devices.size()), devices.data()));
  std::vector<std::unique_ptr<Communicator>> out;
  for (size_t r = 0; r < devices.size(); ++r)
    out.push_back(std::make_unique<NcclCommunicator>(comms[r], static_cast<int>(r), static_cast<int>(devices.size()),
                                                     devices[r], nullptr));
  return out;
}

std::unique_ptr<Communicator> MakeRankCommunicator(std::unique_ptr<Communicator> bootstrap, int device) {
  const NcclApi& nccl = NcclLib();
  gpu::SetDevice(device);
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  if (bootstrap->rank() == 0) CNN_NCCL_CHECK(nccl.GetUniqueId(&id));
  bootstrap->Broadcast(&id, sizeof id, 0);
  ncclComm_t comm = nullptr;
  CNN_NCCL_CHECK(nccl.CommInitRank(&comm, bootstrap->size(), id, bootstrap->rank()));
  const int rank = bootstrap->rank(), size = bootstrap->size();
  return std::make_unique<NcclCommunicator>(comm, rank, size, device, std::move(bootstrap));
}

}  // namespace parallel
}  // namespace cnn
