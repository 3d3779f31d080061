#include "cnn/parallel/launch.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "cnn/core/common.hpp"
#include "cnn/core/parallel.hpp"
#ifdef CNN_WITH_MPI
#include "cnn/parallel/mpi_communicator.hpp"
#endif

namespace cnn {
namespace parallel {

void JoinLaunchedRun(double timeout_s) {
  const int launched = LaunchedWorldSize();
  if (launched <= 1) return;
#ifdef CNN_WITH_MPI
  SetWorld(std::make_unique<MpiCommunicator>(timeout_s));
#else
  CNN_THROW("this process is one of " << launched << " ranks started by mpirun, but cnn was built without MPI "
                                      << "(CNN_WITH_MPI=OFF; install libopenmpi-dev and rebuild)");
#endif
}

void LeaveRun() {
  if (World().size() > 1) World().Barrier();
  SetWorld(nullptr);
}

int RanksOnThisHost() {
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (local && std::atoi(local) > 0) return std::atoi(local);
  return 1;
}

int ShareCores(int ranks_on_host) {
  // --threads, OMP_NUM_THREADS or OPENBLAS_NUM_THREADS decided: theirs is the
  // per-rank count.
  if (ranks_on_host <= 1 || ThreadCountSource() != "cores") return 0;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  // mpirun binds each rank to its cores by default: no more threads than those.
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) cores = std::min(cores, CPU_COUNT(&mask) * ranks_on_host);
  return SetThreadCount(std::max(1, cores / ranks_on_host));
}

void DropRankZeroDuties(SolverParameter* param) {
  param->clear_test_iter();
  param->clear_test_net();
  param->clear_test_net_param();
  param->clear_test_state();
  param->set_test_interval(0);
  param->set_test_initialization(false);
  param->set_snapshot(0);
  param->set_snapshot_after_train(false);
  param->clear_log_json();
  // Scoring test passes is rank 0's too (it keeps <prefix>_best.caffemodel).
  param->clear_early_stop_output();
  param->set_keep_best_model(false);
}

}  // namespace parallel
}  // namespace cnn
