#include "cnn/parallel/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"

namespace cnn {
namespace parallel {
namespace {

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

// MPI counts are ints: larger buffers go in several calls.
constexpr size_t kMaxChunk = INT_MAX / 2;

}  // namespace

struct MpiCommunicator::Pending {
  std::vector<MPI_Request> requests;
};

MpiCommunicator::MpiCommunicator(double timeout_s) : pending_(std::make_unique<Pending>()), timeout_s_(timeout_s) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    // Only the main thread calls MPI (the prefetch threads never do).
    int provided = 0;
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    CNN_CHECK(rc == MPI_SUCCESS, "MPI_Init_thread failed: " << MpiErrorText(rc));
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

void MpiCommunicator::Wait(void* request_ptr, const char* what) {
  MPI_Request* request = static_cast<MPI_Request*>(request_ptr);
  if (timeout_s_ <= 0) {
    const int rc = MPI_Wait(request, MPI_STATUS_IGNORE);
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << " of " << size_ << ": " << what << " failed: " << MpiErrorText(rc));
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  for (;;) {
    int done = 0;
    const int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << " of " << size_ << ": " << what << " failed: " << MpiErrorText(rc));
    if (done) return;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr,
                   "cnn: error: rank %d of %d: no answer from the other ranks in %s for %g s "
                   "(--collective_timeout): a rank has died or hangs; ending the run\n",
                   rank_, size_, what, timeout_s_);
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
}

void MpiCommunicator::AllReduceSum(float* data, size_t count) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    MPI_Request request;
    const int rc = MPI_Iallreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": all-reduce failed: " << MpiErrorText(rc));
    Wait(&request, "the gradient all-reduce");
  }
}

void MpiCommunicator::StartAllReduceSum(float* data, size_t count) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    pending_->requests.emplace_back();
    const int rc = MPI_Iallreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &pending_->requests.back());
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": all-reduce failed: " << MpiErrorText(rc));
  }
}

void MpiCommunicator::Progress() {
  // OpenMPI advances non-blocking collectives only inside MPI calls.
  std::vector<MPI_Request>& pending = pending_->requests;
  if (pending.empty()) return;
  int done = 0;
  const int rc = MPI_Testall(static_cast<int>(pending.size()), pending.data(), &done, MPI_STATUSES_IGNORE);
  CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": the gradient all-reduce failed: " << MpiErrorText(rc));
  if (done) pending.clear();
}

void MpiCommunicator::WaitAll() {
  for (MPI_Request& request : pending_->requests) {
    if (request != MPI_REQUEST_NULL) Wait(&request, "the gradient all-reduce");
  }
  pending_->requests.clear();
}

void MpiCommunicator::AllReduceSum(double* data, size_t count) {
  for (size_t done = 0; done < count; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, count - done));
    MPI_Request request;
    const int rc = MPI_Iallreduce(MPI_IN_PLACE, data + done, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &request);
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": all-reduce failed: " << MpiErrorText(rc));
    Wait(&request, "an all-reduce");
  }
}

void MpiCommunicator::Broadcast(void* data, size_t bytes, int root) {
  char* bytes_ptr = static_cast<char*>(data);
  for (size_t done = 0; done < bytes; done += kMaxChunk) {
    const int n = static_cast<int>(std::min(kMaxChunk, bytes - done));
    MPI_Request request;
    const int rc = MPI_Ibcast(bytes_ptr + done, n, MPI_BYTE, root, MPI_COMM_WORLD, &request);
    CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": broadcast failed: " << MpiErrorText(rc));
    Wait(&request, "a broadcast");
  }
}

void MpiCommunicator::Barrier() {
  MPI_Request request;
  const int rc = MPI_Ibarrier(MPI_COMM_WORLD, &request);
  CNN_CHECK(rc == MPI_SUCCESS, "rank " << rank_ << ": barrier failed: " << MpiErrorText(rc));
  Wait(&request, "a barrier");
}

void MpiCommunicator::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace parallel
}  // namespace cnn
