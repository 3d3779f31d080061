// What `cnn train --gpu=...` asks for, decided before anything touches a GPU:
// the CPU, one GPU, one thread per GPU in this process (`--gpu=0,1`,
// `--gpu=all`, NCCL between them), or one MPI rank per GPU (`mpirun -np N
// cnn train --gpu=local`, NCCL bootstrapped through MPI). Pure functions of
// the flag, the device count, the launcher's environment and the build, so
// the refusals are testable without a GPU.
#pragma once

#include <string>
#include <vector>

namespace cnn {
namespace parallel {

struct BuildFeatures {
  bool cuda = false;
  bool nccl = false;
  bool mpi = false;
};
// What this build of cnn was configured with.
BuildFeatures ThisBuild();

struct GpuPlan {
  enum class Kind { CPU, ONE, THREADS, RANKS };
  Kind kind = Kind::CPU;
  // ONE, RANKS: this process's GPU; THREADS: thread (rank) r drives devices[r].
  std::vector<int> devices;
};

// `device_count` is what the driver reports (it is only read when the flag
// names GPUs); `launched_ranks` and `local_rank` come from the launcher
// (LaunchedWorldSize, LaunchedLocalRank). Throws Error with one line naming
// the flag and what is missing: CUDA, NCCL or MPI in the build, or devices.
GpuPlan PlanGpus(const std::string& flag, int device_count, int launched_ranks, int local_rank,
                 const BuildFeatures& build);

// This process's rank among the launcher's ranks on this host (OpenMPI's
// OMPI_COMM_WORLD_LOCAL_RANK, MPICH's MPI_LOCALRANKID, Slurm's SLURM_LOCALID);
// -1 when not started by a launcher.
int LaunchedLocalRank();

}  // namespace parallel
}  // namespace cnn
