#include "cnn/parallel/communicator.hpp"

#include <cstdlib>
#include <initializer_list>

namespace cnn {
namespace parallel {
namespace {

std::unique_ptr<Communicator>& WorldSlot() {
  // Per thread: `cnn train --gpu=0,1` runs one replica per thread, each with
  // its own communicator and data shard (an MPI run sets the main thread's).
  thread_local std::unique_ptr<Communicator> world = std::make_unique<LocalCommunicator>();
  return world;
}

DataShard& ShardSlot() {
  thread_local DataShard shard;
  return shard;
}

}  // namespace

void LocalCommunicator::Abort(int code) { std::exit(code); }

Communicator& World() { return *WorldSlot(); }

void SetWorld(std::unique_ptr<Communicator> world) {
  WorldSlot() = world ? std::move(world) : std::make_unique<LocalCommunicator>();
}

const DataShard& TrainDataShard() { return ShardSlot(); }
void SetTrainDataShard(DataShard shard) { ShardSlot() = shard; }

}  // namespace parallel
}  // namespace cnn

namespace cnn {
namespace parallel {

int LaunchedWorldSize() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* value = std::getenv(name);
    if (value && std::atoi(value) > 0) return std::atoi(value);
  }
  return 1;
}

}  // namespace parallel
}  // namespace cnn
