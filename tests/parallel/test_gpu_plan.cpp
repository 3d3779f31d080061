// `--gpu` for cnn train: lists, all, local, and the refusals, decided
// without touching a GPU (the device count and the launcher's environment
// are arguments), so all of it runs in CI.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/parallel/gpu_plan.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace parallel {
namespace {

using Kind = GpuPlan::Kind;

BuildFeatures Full() { return {true, true, true}; }

// The Error's text, or "" when none was thrown.
std::string Refusal(const std::string& flag, int gpus, int ranks, int local_rank, BuildFeatures build = Full()) {
  try {
    PlanGpus(flag, gpus, ranks, local_rank, build);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GpuPlan, EmptyAndMinusOneTrainOnTheCpu) {
  EXPECT_EQ(PlanGpus("", 0, 1, -1, {}).kind, Kind::CPU);
  EXPECT_EQ(PlanGpus("-1", 4, 1, -1, Full()).kind, Kind::CPU);
  EXPECT_TRUE(PlanGpus("", 2, 1, -1, Full()).devices.empty());
}

TEST(GpuPlan, OneNumberIsOneGpuWithoutNccl) {
  const GpuPlan plan = PlanGpus("1", 2, 1, -1, {true, false, false});
  EXPECT_EQ(plan.kind, Kind::ONE);
  EXPECT_EQ(plan.devices, std::vector<int>{1});
}

TEST(GpuPlan, ListIsOneThreadPerGpuInTheGivenOrder) {
  const GpuPlan plan = PlanGpus("2,0,1", 4, 1, -1, Full());
  EXPECT_EQ(plan.kind, Kind::THREADS);
  // Thread r is rank r and drives devices[r]: rank 0, which logs and snapshots, is the first listed.
  EXPECT_EQ(plan.devices, (std::vector<int>{2, 0, 1}));
}

TEST(GpuPlan, AllTakesEveryDevice) {
  const GpuPlan plan = PlanGpus("all", 3, 1, -1, Full());
  EXPECT_EQ(plan.kind, Kind::THREADS);
  EXPECT_EQ(plan.devices, (std::vector<int>{0, 1, 2}));
  // One device is a plain one-GPU run: no NCCL needed.
  const GpuPlan one = PlanGpus("all", 1, 1, -1, {true, false, false});
  EXPECT_EQ(one.kind, Kind::ONE);
  EXPECT_EQ(one.devices, std::vector<int>{0});
}

TEST(GpuPlan, LocalTakesTheLocalRanksGpu) {
  const GpuPlan plan = PlanGpus("local", 4, 8, 3, Full());
  EXPECT_EQ(plan.kind, Kind::RANKS);
  EXPECT_EQ(plan.devices, std::vector<int>{3});
  // mpirun -np 1: a plain run on the local rank's GPU.
  EXPECT_EQ(PlanGpus("local", 2, 1, 0, {true, false, false}).kind, Kind::ONE);
}

TEST(GpuPlan, MoreGpusThanExistNameTheCount) {
  EXPECT_EQ(Refusal("0,2", 2, 1, -1), "--gpu=0,2: GPU 2 does not exist: this machine has 2 GPU(s), 0 to 1");
  EXPECT_EQ(Refusal("5", 2, 1, -1), "--gpu=5: GPU 5 does not exist: this machine has 2 GPU(s), 0 to 1");
  EXPECT_EQ(Refusal("0,1", 0, 1, -1), "--gpu=0,1: GPU 0 does not exist: this machine has no usable CUDA device");
  EXPECT_EQ(Refusal("all", 0, 1, -1), "--gpu=all: this machine has no usable CUDA device");
  EXPECT_NE(Refusal("local", 2, 4, 2).find("local rank 2 needs GPU 2, but this machine has 2 GPU(s)"), std::string::npos);
}

TEST(GpuPlan, BadListsAreRefused) {
  EXPECT_EQ(Refusal("0,0", 2, 1, -1), "--gpu=0,0: GPU 0 is listed twice");
  for (const std::string bad : {"0,", ",1", "a", "0;1", "1,-2", "0,,1", "1234567"})
    EXPECT_NE(Refusal(bad, 8, 1, -1).find("expected a device number, a comma-separated list of them, all or local"),
              std::string::npos)
        << bad;
}

TEST(GpuPlan, BuildsWithoutCudaNcclOrMpiSayWhich) {
  EXPECT_EQ(Refusal("0", 0, 1, -1, {false, false, false}),
            "--gpu=0: cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)");
  EXPECT_NE(Refusal("0,1", 2, 1, -1, {true, false, true}).find("needs NCCL, but cnn was built without NCCL"),
            std::string::npos);
  EXPECT_NE(Refusal("local", 2, 2, 0, {true, true, false}).find("built without MPI (CNN_WITH_MPI=OFF"),
            std::string::npos);
  EXPECT_NE(Refusal("local", 2, 2, 0, {true, false, true}).find("built without NCCL (CNN_WITH_NCCL=OFF"),
            std::string::npos);
}

TEST(GpuPlan, LocalOutsideMpirunAndListsUnderMpirunAreRefused) {
  EXPECT_NE(Refusal("local", 2, 1, -1).find("cnn was not started by mpirun"), std::string::npos);
  EXPECT_NE(Refusal("0,1", 2, 2, 0).find("under mpirun: every one of the 2 ranks would drive all 2 GPUs; give --gpu=local"),
            std::string::npos);
}

TEST(GpuPlan, LocalRankComesFromTheLauncher) {
  unsetenv("OMPI_COMM_WORLD_LOCAL_RANK");
  unsetenv("MPI_LOCALRANKID");
  unsetenv("SLURM_LOCALID");
  EXPECT_EQ(LaunchedLocalRank(), -1);
  setenv("SLURM_LOCALID", "2", 1);
  EXPECT_EQ(LaunchedLocalRank(), 2);
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "1", 1);  // OpenMPI's comes first
  EXPECT_EQ(LaunchedLocalRank(), 1);
  unsetenv("OMPI_COMM_WORLD_LOCAL_RANK");
  unsetenv("SLURM_LOCALID");
}

// The tool says the same in one line and exits 1.
TEST(GpuPlan, ToolRefusesInOneLine) {
  std::string out;
  EXPECT_EQ(test::RunCommand(test::ToolPath() + " train --solver=none.prototxt --gpu=x,0", &out), 1) << out;
  if (ThisBuild().cuda)
    EXPECT_EQ(out, "cnn: error: --gpu=x,0: expected a device number, a comma-separated list of them, all or local, "
                   "got 'x'\n");
  else
    EXPECT_EQ(out, "cnn: error: --gpu=x,0: cnn was built without CUDA (configure with -DCNN_WITH_CUDA=ON)\n");
  EXPECT_EQ(test::RunCommand(test::ToolPath() + " train --solver=none.prototxt --gpu=local", &out), 1) << out;
  EXPECT_EQ(out.rfind("cnn: error: --gpu=local", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

}  // namespace
}  // namespace parallel
}  // namespace cnn
