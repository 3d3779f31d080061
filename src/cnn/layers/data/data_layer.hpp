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
// The layer is Stateful: its state is the position of the next batch Forward
// delivers and the transformer's random generator at that point, so a run
// resumed from a snapshot sees exactly the batches a straight run would.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/data/data_transformer.hpp"
#include "cnn/data/db_reader.hpp"
#include "cnn/data/prefetcher.hpp"

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
  // Where reading stands: the reader's offset (rand_skip included) and the
  // transformer's generator.
  struct Position {
    uint64_t offset = 0;
    std::mt19937 rng;
  };

  // On the prefetch thread: one batch from the reader.
  bool LoadBatch(Prefetcher::Batch* batch, const Prefetcher& self);
  void Delivered(const Prefetcher::Batch& batch) { next_ = ends_[batch.slot]; }
  void ApplyState(const std::string& state);

  DataParameter data_param_;
  int batch_size_ = 0;
  bool output_labels_ = false;
  bool set_up_ = false;
  std::string pending_state_;  // a RestoreState that came before SetUp

  // Touched only by the prefetch thread while it runs.
  std::unique_ptr<DataTransformer> transformer_;
  std::unique_ptr<DbReader> reader_;
  std::vector<Position> ends_;  // per batch slot: the position after that batch

  Position next_;  // what Forward delivers next (what SaveState records)
  std::unique_ptr<Prefetcher> prefetcher_;
};

}  // namespace cnn
