// Joining a data-parallel run as one of its ranks (`mpirun -np N cnn train`):
// what `cnn train` does around the Solver so that N processes train as one.
#pragma once

#include <memory>
#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/parallel/communicator.hpp"

namespace cnn {
namespace parallel {

// Makes World() the launcher's ranks when this process was started as one
// of several (MPI), and leaves it local otherwise. Throws Error when it was
// launched as several ranks but the build has no MPI. `timeout_s` > 0
// bounds every collective (MpiCommunicator).
void JoinLaunchedRun(double timeout_s);
// Ends the run's communication (MPI_Finalize) after a last barrier.
void LeaveRun();

// Each rank takes its share of this host's cores for OpenBLAS and OpenMP,
// unless --threads, OMP_NUM_THREADS or OPENBLAS_NUM_THREADS chose the count
// (SetThreadCount ran before, see core/parallel.hpp); returns the
// thread count chosen (0 when left as it was).
int ShareCores(int ranks_on_host);
// The ranks the launcher put on this host (OpenMPI's local size; 1 unknown).
int RanksOnThisHost();

// Rank 0 alone tests, snapshots and writes the JSON log: the other ranks'
// solvers get none of those duties (and so build no test nets).
void DropRankZeroDuties(SolverParameter* param);

}  // namespace parallel
}  // namespace cnn
