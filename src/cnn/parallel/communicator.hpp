// The ranks of a data-parallel run, as the trainer sees them: its own rank,
// how many there are, and the few collectives synchronous training needs.
// The solver and data layers know only this interface; the single-process
// default (LocalCommunicator) makes every collective a no-op, so nothing
// changes for a run of one process. mpi_communicator.hpp implements it over
// MPI (built with CNN_WITH_MPI), nccl_communicator.hpp over NCCL between GPUs
// (CNN_WITH_NCCL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace cnn {
namespace parallel {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Whether the collectives take device pointers (NCCL): then DataParallel
  // hands over the GPU gradients themselves; host pointers still work.
  virtual bool device_memory() const { return false; }
  // In place: every rank ends with the element-wise sum over all ranks. The
  // sum's order of additions is the library's; ranks receive the same bits.
  virtual void AllReduceSum(float* data, size_t count) = 0;
  virtual void AllReduceSum(double* data, size_t count) = 0;
  // Non-blocking AllReduceSum: starts it and returns at once; `data` must
  // stay untouched until WaitAll. Progress() lets started ones advance.
  virtual void StartAllReduceSum(float* data, size_t count) = 0;
  virtual void Progress() = 0;
  virtual void WaitAll() = 0;
  virtual void Broadcast(void* data, size_t bytes, int root) = 0;
  virtual void Barrier() = 0;
  // Ends every rank of the run with `code` (a rank that cannot go on must not
  // leave the others waiting in a collective).
  [[noreturn]] virtual void Abort(int code) = 0;
};

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllReduceSum(float*, size_t) override {}
  void AllReduceSum(double*, size_t) override {}
  void StartAllReduceSum(float*, size_t) override {}
  void Progress() override {}
  void WaitAll() override {}
  void Broadcast(void*, size_t, int) override {}
  void Barrier() override {}
  [[noreturn]] void Abort(int code) override;
};

// The communicator of this thread (a LocalCommunicator until SetWorld).
Communicator& World();
void SetWorld(std::unique_ptr<Communicator> world);

// Which share of each global batch the train net's data layers read: rank
// `rank` of `size` takes records rank·B … rank·B+B−1 of every size·B block.
// {0, 1} (everything) unless a data-parallel run set it before building
// the train net; test nets always read everything.
struct DataShard {
  int rank = 0;
  int size = 1;
};
const DataShard& TrainDataShard();
void SetTrainDataShard(DataShard shard);

}  // namespace parallel
}  // namespace cnn

namespace cnn {
namespace parallel {

// How many ranks the launcher (mpirun, mpiexec) started this process as one
// of, from the environment it sets (OpenMPI's, or the PMI one MPICH and
// Slurm use); 1 when started on its own.
int LaunchedWorldSize();

}  // namespace parallel
}  // namespace cnn
