// Communicator between GPUs over NCCL (built with CNN_WITH_NCCL). Gradients
// never leave the device: AllReduceSum and StartAllReduceSum on device
// pointers are queued on the legacy default stream, the one every layer and
// solver kernel runs on, so they follow backward and precede the update in
// stream order with no host synchronisation; the started ones are packed
// into device buckets at WaitAll (one ncclAllReduce per 16 MiB). Host
// pointers (the few control values DataParallel agrees on: display outputs,
// signals, checksums, the initial weights) are staged through a device
// buffer and waited for. One communicator per GPU: either one thread per GPU
// of this process (MakeThreadCommunicators) or one MPI rank per GPU
// (MakeRankCommunicator).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "cnn/parallel/communicator.hpp"

struct ncclComm;  // nccl.h's ncclComm_t is a pointer to it

namespace cnn {
namespace parallel {

class NcclCommunicator : public Communicator {
 public:
  // Takes `comm` (rank `rank` of `size`, on GPU `device`). `bootstrap`, when
  // given, is the MPI world the ranks met through: it lives as long as this,
  // and Abort ends all ranks through it.
  NcclCommunicator(ncclComm* comm, int rank, int size, int device, std::unique_ptr<Communicator> bootstrap);
  ~NcclCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool device_memory() const override { return true; }
  int device() const { return device_; }
  void AllReduceSum(float* data, size_t count) override;
  void AllReduceSum(double* data, size_t count) override;
  void StartAllReduceSum(float* data, size_t count) override;
  void Progress() override {}
  void WaitAll() override;
  void Broadcast(void* data, size_t bytes, int root) override;
  void Barrier() override;
  [[noreturn]] void Abort(int code) override;

 private:
  struct Piece {
    float* data;
    size_t count;
  };
  // Runs `op` (which reduces `bytes` of device memory at its argument) on
  // `data`, staging host memory through device_scratch_.
  template <typename Op>
  void OnDevice(void* data, size_t bytes, Op op);
  void* Scratch(size_t bytes);

  ncclComm* comm_;
  int rank_, size_, device_;
  std::unique_ptr<Communicator> bootstrap_;
  std::vector<Piece> pending_;
  void* bucket_ = nullptr;   // device, kBucketFloats floats, allocated on first WaitAll
  void* scratch_ = nullptr;  // device, for staged host buffers
  size_t scratch_bytes_ = 0;
};

// One communicator per device of `devices`, for one thread each (thread r
// must drive devices[r]; ncclCommInitAll). Throws Error when NCCL cannot be
// loaded or fails.
std::vector<std::unique_ptr<Communicator>> MakeThreadCommunicators(const std::vector<int>& devices);
// This rank's communicator on `device`; the ranks of `bootstrap` (MPI) agree
// on NCCL's unique id through it, and it is kept for aborts.
std::unique_ptr<Communicator> MakeRankCommunicator(std::unique_ptr<Communicator> bootstrap, int device);

}  // namespace parallel
}  // namespace cnn
