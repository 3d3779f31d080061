// Data: reads Datum records from an LMDB or LevelDB database (Caffe's Data
// layer), in key order, wrapping around at the end, transformed by
// transform_param. Tops: data {batch_size, C, H, W} and, optionally, label
// {batch_size}.
//
// A background thread reads and transforms up to data_param.prefetch
// batches ahead. Problems with a record (not a Datum, a shape that does not
// fit) surface as an Error from the Forward that would have delivered it.
// Each batch has the shape its first record gives, as in Caffe (so with
// batch_size 1 images of different sizes pass one by one).
//
// In GPU mode (the mode of the thread that runs SetUp) the reader also
// uploads each batch to the device on a stream of its own, so the copy
// overlaps the net's compute; Forward then only copies device to device.
//
// The layer is Stateful: its state is the position of the next batch Forward
// delivers and the transformer's random generator at that point, so a run
// resumed from a snapshot sees exactly the batches a straight run would.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/data/data_transformer.hpp"
#include "cnn/data/db.hpp"

namespace cnn {

class DataLayer : public Layer, public Stateful {
 public:
  explicit DataLayer(const LayerParameter& param);
  ~DataLayer() override;

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  // Each Forward shapes the tops from its batch.
  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}

  const char* type() const override { return "Data"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }

  std::string SaveState() const override;
  void RestoreState(const std::string& state) override;
  uint64_t RecordsDelivered(const std::string& state) const override;
  uint64_t RecordsPerForward() const override { return static_cast<uint64_t>(batch_size_); }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif

 private:
  // Where reading stands: records consumed since the first record of the
  // database (rand_skip included, growing past the end when wrapping) and
  // the transformer's generator.
  struct Position {
    uint64_t offset = 0;
    std::mt19937 rng;
  };

  struct Batch {
    Blob data;   // {batch_size, C, H, W}
    Blob label;  // {batch_size}, when the layer has a label top
    Position end;  // the position after this batch: where the next one starts
    std::exception_ptr error;
    // GPU mode: a cudaEvent_t recorded on the compute stream after Forward
    // copied the batch out; the reader waits for it before refilling.
    std::shared_ptr<void> consumed;
  };

  void StartPrefetch();
  void StopPrefetch();
  void PrefetchLoop();
  // Forward's half of the hand-over: the next full batch (raising its
  // error, if it has one), and giving it back to the reader.
  Batch* TakeBatch();
  void ReturnBatch(Batch* batch);
  // Fills a batch from the cursor; false when told to stop half-way.
  bool LoadBatch(Batch* batch);
  // Moves the cursor to the next record, back to the first after the last.
  void Advance();
  // Puts the cursor `offset` records after the first one (modulo the size).
  void SeekTo(uint64_t offset);
  std::string RecordName(uint64_t index, const std::string& key) const;
  void ApplyState(const std::string& state);

  DataParameter data_param_;
  std::string source_;
  int batch_size_ = 0;
  bool output_labels_ = false;
  bool set_up_ = false;
#ifdef CNN_WITH_CUDA
  // Captured at SetUp: the reader thread has its own (CPU) mode and device.
  bool gpu_mode_ = false;
  int device_ = 0;
#endif
  std::string pending_state_;  // a RestoreState that came before SetUp

  std::unique_ptr<DataTransformer> transformer_;
  std::unique_ptr<DB> db_;

  // Reader state: touched only by the prefetch thread while it runs.
  std::unique_ptr<Cursor> cursor_;
  uint64_t index_ = 0;    // the cursor's record number within the database
  uint64_t offset_ = 0;   // records consumed since the first record
  uint64_t db_size_ = 0;  // known after the first wrap-around; 0 before
  bool logged_wrap_ = false;

  // What Forward delivers next (what SaveState records).
  Position next_;
  std::exception_ptr failure_;  // a reader error already reported; repeated

  // Prefetching: batches cycle free -> (reader fills) -> full -> (Forward
  // copies out) -> free.
  std::vector<std::unique_ptr<Batch>> batches_;
  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::condition_variable full_cv_;
  std::deque<Batch*> free_;
  std::deque<Batch*> full_;
  bool stop_ = false;          // guarded by mutex_
  bool reader_done_ = false;   // guarded by mutex_; the thread returned
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace cnn
