// Communicator over MPI_COMM_WORLD (built with CNN_WITH_MPI). Errors come
// back as return codes (MPI_ERRORS_RETURN) and are thrown as Error naming
// the collective and this rank. With a timeout, a collective that has not
// completed after that many seconds (a rank hung, or died without the
// launcher noticing) aborts the whole run with a message saying so, rather
// than waiting for ever.
#pragma once

#include <memory>

#include "cnn/parallel/communicator.hpp"

namespace cnn {
namespace parallel {

class MpiCommunicator : public Communicator {
 public:
  // Initialises MPI (once per process) and finalises it when destroyed.
  explicit MpiCommunicator(double timeout_s = 0);
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void AllReduceSum(float* data, size_t count) override;
  void AllReduceSum(double* data, size_t count) override;
  void StartAllReduceSum(float* data, size_t count) override;
  void Progress() override;
  void WaitAll() override;
  void Broadcast(void* data, size_t bytes, int root) override;
  void Barrier() override;
  [[noreturn]] void Abort(int code) override;

 private:
  // Waits for a started non-blocking collective, within the timeout.
  void Wait(void* request, const char* what);

  struct Pending;  // the started requests (mpi.h stays out of this header)
  std::unique_ptr<Pending> pending_;
  int rank_ = 0;
  int size_ = 1;
  double timeout_s_ = 0;
};

}  // namespace parallel
}  // namespace cnn
