// Data: reads Datum records from an LMDB or LevelDB database (Caffe's Data
// layer), in key order, wrapping around at the end, transformed by
// transform_param. Tops: data {batch_size, C, H, W} and, optionally, label
// {batch_size}.
//
// The records come from a DbReader (cnn/data/db_reader.hpp); a Prefetcher
// (cnn/data/prefetcher.hpp) reads and transforms up to data_param.prefetch
// batches ahead on its thread and, in GPU mode, uploads them. Problems with
// a record (not a Datum, a shape that does not fit) surface as an Error
// from the Forward that would have delivered it. Each batch has the shape
// its first record gives, as in Caffe (so with batch_size 1 images of
// different sizes pass one by one).
//
// With data_param.shuffle (ours) the records come in an order drawn afresh
// for every pass from a seed the net's generator gives (see db_reader.hpp
// for the memory it takes).
//
// In a data-parallel run the train net's Data layer reads only its rank's
// share (parallel::TrainDataShard()): rank r of N takes records r·B … r·B+B−1
// of every N·B block and passes over the rest, so the N ranks together see
// the batches one process with batch N·B would, in the same order. Its
// offset still counts every record passed, which makes the saved position
// the global one, the same on every rank and for any N with the same N·B.
//
// The layer is Stateful: its state is the position of the next batch Forward
// delivers, the transformer's random generator at that point and, when
// shuffling, the order's seed, so a run resumed from a snapshot sees exactly
// the batches a straight run would.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cnn/data/data_transformer.hpp"
#include "cnn/data/db_reader.hpp"
#include "cnn/layers/data/prefetching_data_layer.hpp"
#include "cnn/parallel/communicator.hpp"

namespace cnn {

class DataLayer : public PrefetchingDataLayer {
 public:
  explicit DataLayer(const LayerParameter& param) : PrefetchingDataLayer(param) {}
  ~DataLayer() override { StopPrefetch(); }

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Data"; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }

  std::string SaveState() const override;
  uint64_t RecordsDelivered(const std::string& state) const override;
  // Counted globally: the records of all ranks' shares of one batch.
  uint64_t RecordsPerForward() const override { return static_cast<uint64_t>(batch_size_) * shard_.size; }
  // Known at setup when shuffling or from LMDB's own count; an unshuffled
  // LevelDB reader counts only on its first pass.
  uint64_t RecordsInSource() const override { return source_records_; }

 protected:
  bool LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self) override;
  void Delivered(const Prefetcher::Batch& batch) override { next_ = ends_[batch.slot]; }
  void CheckState(const std::string& state) const override;
  void ApplyState(const std::string& state) override;

 private:
  // Where reading stands: the reader's offset (rand_skip included), the
  // transformer's generator and, with data_param.shuffle, the reader's seed.
  struct Position {
    uint64_t offset = 0;
    std::mt19937 rng;
    uint32_t seed = 0;
  };

  DataParameter data_param_;
  int batch_size_ = 0;
  bool output_labels_ = false;
  parallel::DataShard shard_;  // {0, 1}: every record

  // Passes over n records without reading them (a shuffled reader seeks).
  void SkipRecords(uint64_t n);

  // Touched only by the prefetch thread while it runs.
  std::unique_ptr<DataTransformer> transformer_;
  std::unique_ptr<DbReader> reader_;
  std::vector<Position> ends_;  // per batch slot: the position after that batch

  Position next_;  // what Forward delivers next (what SaveState records)
  // Records rand_skip passed over at setup: in the offset, but not delivered.
  uint64_t skipped_ = 0;
  uint64_t source_records_ = 0;  // the reader's size at setup, read by the solver's thread
};

}  // namespace cnn
