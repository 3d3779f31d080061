#include "cnn/data/prefetcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::DataOf;
using test::ErrorOf;

// Batch k (counted by the fill, on the prefetch thread) holds {k, 10 k} in
// blob 0 and {-k} in blob 1; the batch after `fail_at` throws instead.
struct Counter {
  int next = 0;
  int fail_at = -1;
  std::vector<int> ends;  // per slot: the count the batch in that slot ends at

  Prefetcher::FillFn Fill() {
    return [this](Prefetcher::Batch* batch, const Prefetcher&) {
      CNN_CHECK(next != fail_at, "batch " << next << " is bad");
      batch->blobs[0]->Reshape(std::vector<int>{2});
      batch->blobs[0]->mutable_cpu_data()[0] = static_cast<float>(next);
      batch->blobs[0]->mutable_cpu_data()[1] = static_cast<float>(10 * next);
      batch->blobs[1]->Reshape(std::vector<int>{1});
      batch->blobs[1]->mutable_cpu_data()[0] = static_cast<float>(-next);
      ++next;
      ends[batch->slot] = next;
      return true;
    };
  }
};

TEST(Prefetcher, DeliversBatchesInOrderWithTheirSlotData) {
  for (int depth : {1, 3}) {
    SCOPED_TRACE(depth);
    Counter counter;
    counter.ends.assign(depth, 0);
    Prefetcher prefetcher(depth, 2, counter.Fill(), "here: ");
    prefetcher.Start();
    Blob a, b;
    for (int k = 0; k < 7; ++k) {
      int end = 0;
      prefetcher.DeliverCpu({&a, &b}, [&](const Prefetcher::Batch& batch) { end = counter.ends[batch.slot]; });
      EXPECT_EQ(DataOf(a), (std::vector<float>{float(k), float(10 * k)}));
      EXPECT_EQ(DataOf(b), (std::vector<float>{float(-k)}));
      EXPECT_EQ(end, k + 1);
    }
    // Fewer tops than blobs: the first ones only.
    Blob only;
    prefetcher.DeliverCpu({&only}, [](const Prefetcher::Batch&) {});
    EXPECT_EQ(DataOf(only), (std::vector<float>{7.f, 70.f}));
  }
}

TEST(Prefetcher, AnErrorOnTheThreadIsRaisedByTheForwardThatWouldDeliverIt) {
  Counter counter;
  counter.ends.assign(2, 0);
  counter.fail_at = 2;
  Prefetcher prefetcher(2, 2, counter.Fill(), "here: ");
  prefetcher.Start();
  Blob a, b;
  const auto deliver = [&] { prefetcher.DeliverCpu({&a, &b}, [](const Prefetcher::Batch&) {}); };
  deliver();
  deliver();
  EXPECT_EQ(ErrorOf(deliver), "batch 2 is bad");
  // The thread has stopped; later Forwards say so again rather than wait.
  EXPECT_EQ(ErrorOf(deliver), "batch 2 is bad");
  // A restart (after the reader was put right) delivers again.
  counter.fail_at = -1;
  prefetcher.Start();
  deliver();
  EXPECT_EQ(DataOf(a)[0], 2.f);
}

TEST(Prefetcher, FailHoldsUntilTheNextStart) {
  Counter counter;
  counter.ends.assign(2, 0);
  Prefetcher prefetcher(2, 2, counter.Fill(), "here: ");
  prefetcher.Start();
  prefetcher.Stop();
  prefetcher.Fail(std::make_exception_ptr(Error("restore failed")));
  Blob a, b;
  const auto deliver = [&] { prefetcher.DeliverCpu({&a, &b}, [](const Prefetcher::Batch&) {}); };
  EXPECT_EQ(ErrorOf(deliver), "restore failed");
  EXPECT_EQ(ErrorOf(deliver), "restore failed");
  counter.next = 5;
  prefetcher.Start();  // batches filled before the Stop are dropped
  deliver();
  EXPECT_EQ(DataOf(a)[0], 5.f);
}

TEST(Prefetcher, StopReturnsFromAFillThatWatchesStopping) {
  // A fill that would never end on its own; only stopping() ends it.
  Prefetcher prefetcher(1, 1,
                        [](Prefetcher::Batch*, const Prefetcher& self) {
                          while (!self.stopping()) std::this_thread::yield();
                          return false;
                        },
                        "here: ");
  prefetcher.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  prefetcher.Stop();  // a hang here fails the test by its timeout
  Blob a;
  EXPECT_EQ(ErrorOf([&] { prefetcher.DeliverCpu({&a}, [](const Prefetcher::Batch&) {}); }),
            "here: the prefetch thread stopped without delivering a batch");
}

}  // namespace
}  // namespace cnn
