#include "cnn/parallel/gpu_plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>

#include "cnn/core/common.hpp"

namespace cnn {
namespace parallel {
namespace {

std::string Devices(int count) {
  if (count <= 0) return "this machine has no usable CUDA device";
  return "this machine has " + std::to_string(count) + " GPU(s), 0 to " + std::to_string(count - 1);
}

int ParseDevice(const std::string& flag, const std::string& item) {
  CNN_CHECK(!item.empty() && item.size() < 6 && item.find_first_not_of("0123456789") == std::string::npos,
            "--gpu=" << flag << ": expected a device number, a comma-separated list of them, all or local, got '"
                     << item << "'");
  return std::stoi(item);
}

}  // namespace

BuildFeatures ThisBuild() {
  BuildFeatures build;
#ifdef CNN_WITH_CUDA
  build.cuda = true;
#endif
#ifdef CNN_WITH_NCCL
  build.nccl = true;
#endif
#ifdef CNN_WITH_MPI
  build.mpi = true;
#endif
  return build;
}

int LaunchedLocalRank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
    const char* value = std::getenv(name);
    if (value && *value && std::string(value).find_first_not_of("0123456789") == std::string::npos)
      return std::atoi(value);
  }
  return -1;
}

GpuPlan PlanGpus(const std::string& flag, int device_count, int launched_ranks, int local_rank,
                 const BuildFeatures& build) {
  GpuPlan plan;
  if (flag.empty() || flag == "-1") return plan;
  CNN_CHECK(build.cuda, "--gpu=" << flag << ": cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
  const bool under_launcher = launched_ranks > 1;

  if (flag == "local") {
    CNN_CHECK(local_rank >= 0, "--gpu=local takes this rank's GPU from mpirun's local rank, but cnn was not started "
                               "by mpirun; give --gpu=0, a list such as --gpu=0,1, or all");
    CNN_CHECK(local_rank < device_count, "--gpu=local: local rank " << local_rank << " needs GPU " << local_rank
                                                                    << ", but " << Devices(device_count)
                                                                    << " (start at most that many ranks per host)");
    plan.devices = {local_rank};
    plan.kind = GpuPlan::Kind::ONE;
    if (!under_launcher) return plan;
    CNN_CHECK(build.mpi, "--gpu=local: " << launched_ranks << " ranks need MPI to agree on their NCCL communicator, "
                                         << "but cnn was built without MPI (CNN_WITH_MPI=OFF; install libopenmpi-dev "
                                            "and rebuild)");
    CNN_CHECK(build.nccl, "--gpu=local: " << launched_ranks << " ranks need NCCL between their GPUs, but cnn was "
                                          << "built without NCCL (CNN_WITH_NCCL=OFF; it needs nccl.h and libnccl "
                                             "from the CUDA toolkit)");
    plan.kind = GpuPlan::Kind::RANKS;
    return plan;
  }

  if (flag == "all") {
    CNN_CHECK(device_count > 0, "--gpu=all: " << Devices(device_count));
    for (int d = 0; d < device_count; ++d) plan.devices.push_back(d);
  } else {
    size_t start = 0;
    for (;;) {
      const size_t comma = flag.find(',', start);
      const std::string item = flag.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const int device = ParseDevice(flag, item);
      CNN_CHECK(std::find(plan.devices.begin(), plan.devices.end(), device) == plan.devices.end(),
                "--gpu=" << flag << ": GPU " << device << " is listed twice");
      CNN_CHECK(device < device_count, "--gpu=" << flag << ": GPU " << device << " does not exist: "
                                                << Devices(device_count));
      plan.devices.push_back(device);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (plan.devices.size() == 1) {
    plan.kind = GpuPlan::Kind::ONE;
    return plan;
  }
  CNN_CHECK(!under_launcher, "--gpu=" << flag << " under mpirun: every one of the " << launched_ranks
                                      << " ranks would drive all " << plan.devices.size()
                                      << " GPUs; give --gpu=local (one GPU per rank)");
  CNN_CHECK(build.nccl, "--gpu=" << flag << ": training on " << plan.devices.size() << " GPUs needs NCCL, but cnn "
                                 << "was built without NCCL (CNN_WITH_NCCL=OFF; it needs nccl.h and libnccl from "
                                    "the CUDA toolkit)");
  plan.kind = GpuPlan::Kind::THREADS;
  return plan;
}

}  // namespace parallel
}  // namespace cnn
