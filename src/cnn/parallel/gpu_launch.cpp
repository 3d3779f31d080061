#include "cnn/parallel/gpu_launch.hpp"

#include "cnn/core/common.hpp"
#ifdef CNN_WITH_NCCL
#include "cnn/parallel/nccl_communicator.hpp"
#endif
#if defined(CNN_WITH_NCCL) && defined(CNN_WITH_MPI)
#include "cnn/parallel/mpi_communicator.hpp"
#endif

namespace cnn {
namespace parallel {

std::vector<std::unique_ptr<Communicator>> StartGpuThreads(const std::vector<int>& devices) {
#ifdef CNN_WITH_NCCL
  return MakeThreadCommunicators(devices);
#else
  CNN_THROW("training on " << devices.size() << " GPUs needs NCCL, but cnn was built without NCCL (CNN_WITH_NCCL=OFF)");
#endif
}

void JoinLaunchedGpuRun(double timeout_s, int device) {
#if defined(CNN_WITH_NCCL) && defined(CNN_WITH_MPI)
  SetWorld(MakeRankCommunicator(std::make_unique<MpiCommunicator>(timeout_s), device));
#elif defined(CNN_WITH_NCCL)
  CNN_THROW("--gpu=local: the ranks need MPI to agree on their NCCL communicator, but cnn was built without MPI "
            "(CNN_WITH_MPI=OFF)");
#else
  CNN_THROW("--gpu=local: the ranks need NCCL between their GPUs, but cnn was built without NCCL (CNN_WITH_NCCL=OFF)");
#endif
}

}  // namespace parallel
}  // namespace cnn
