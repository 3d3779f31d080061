// A training run allocates its host memory in the first iteration (blobs on
// first touch, the solver's history, the data layer's prefetch batches, the
// test net) and then none: iterations after the first, test passes and
// epoch wrap-arounds included, leave SyncedMemory's allocation count and the
// bytes it holds where they were.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "cnn/core/cpu_memory_limit.hpp"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

// n random 1x28x28 records with labels 0..9: enough for LeNet to run on.
void MakeLmdb(const std::string& path, int n) {
  auto db = OpenDB("lmdb", path, DB::NEW);
  auto txn = db->NewTransaction();
  std::mt19937 gen(3);
  for (int i = 0; i < n; ++i) {
    Datum d;
    d.set_channels(1);
    d.set_height(28);
    d.set_width(28);
    std::string pixels(28 * 28, '\0');
    for (char& p : pixels) p = static_cast<char>(gen() % 256);
    d.set_data(pixels);
    d.set_label(static_cast<int>(gen() % 10));
    char key[16];
    std::snprintf(key, sizeof key, "%08d", i);
    txn->Put(key, d.SerializeAsString());
  }
  txn->Commit();
}

class SteadyState : public ::testing::TestWithParam<const char*> {};

TEST_P(SteadyState, IterationsAfterTheFirstAllocateNothing) {
  const std::string dir = test::MakeTempDir();
  // 100 records in batches of 64 and 100: every pass wraps around the epoch.
  MakeLmdb(dir + "/lmdb", 100);
  NetParameter net = ReadNetParamsFromTextFile(test::SourcePath("models/lenet/train_test.prototxt"));
  for (auto& lp : *net.mutable_layer()) {
    if (lp.type() == "Data") lp.mutable_data_param()->set_source(dir + "/lmdb");
  }
  SolverParameter p = ReadSolverParamsFromTextFile(test::SourcePath("models/lenet/solver.prototxt"));
  p.clear_net();
  *p.mutable_net_param() = net;
  p.set_type(GetParam());
  if (std::string(GetParam()) == "Adam") p.set_base_lr(0.001f);
  p.set_test_interval(3);
  p.set_test_iter(0, 2);
  p.set_display(1);
  p.set_snapshot(0);
  p.set_max_iter(100);
  p.set_snapshot_prefix(dir + "/snap");
  auto solver = SolverRegistry::Create(p);

  solver->Step(1);  // allocates everything, and runs the first test pass
  const size_t allocations = CpuAllocationCount();
  const size_t bytes = CpuMemoryInUse();
  ASSERT_GT(allocations, 0u);
  solver->Step(9);  // three more test passes, several epochs of the data
  EXPECT_EQ(CpuAllocationCount(), allocations) << GetParam() << ": buffers allocated after the first iteration";
  EXPECT_EQ(CpuMemoryInUse(), bytes) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Solvers, SteadyState, ::testing::Values("SGD", "Adam", "AdaDelta"));

}  // namespace
}  // namespace cnn
