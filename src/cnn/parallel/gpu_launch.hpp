// Starting the communicators of a multi-GPU run (see gpu_plan.hpp): the
// only NCCL entry points the tool sees, so that it compiles the same with
// and without NCCL. Each throws Error naming the missing option in a build
// that lacks NCCL (or MPI, for the ranks).
#pragma once

#include <memory>
#include <vector>

#include "cnn/parallel/communicator.hpp"

namespace cnn {
namespace parallel {

// `cnn train --gpu=0,1|all`: one communicator per device, for one thread each.
std::vector<std::unique_ptr<Communicator>> StartGpuThreads(const std::vector<int>& devices);
// `mpirun -np N cnn train --gpu=local`: joins the MPI world, agrees on an
// NCCL communicator through it and makes that World() (this rank's GPU is
// `device`). `timeout_s` as for JoinLaunchedRun (it bounds the MPI part).
void JoinLaunchedGpuRun(double timeout_s, int device);

}  // namespace parallel
}  // namespace cnn
